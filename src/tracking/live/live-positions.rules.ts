import { regionPrefix } from '../../accounts/region.rules.js';
import { isoTime } from '../../common/iso-time.js';

// Live positions on the /watch namespace: room names, the payload watchers get, and which emits one flush of
// positions turns into. Pure; LivePositions (live-positions.ts) does the I/O.

// Rooms a watcher joins by `subscribe`. Position rooms are separate from the rooms every connection joins
// (live.rooms.ts: org, user, region, admin): an authority's connection sits in region:<prefix> for alarms and
// waybill events, and must not receive every position of its province unless its live map asks for them.
export const vehicleRoom = (vehicleId: string) => `vehicle:${vehicleId}`;
export const waybillRoom = (waybillId: string) => `waybill:${waybillId}`;
export const regionPositionsRoom = (prefix: string) => `region-positions:${prefix}`;
export const isPositionRoom = (room: string) => room.startsWith('vehicle:') || room.startsWith('waybill:') || room.startsWith('region-positions:');

// The one event watchers get: an array of these, oldest first per vehicle.
export const POSITIONS_EVENT = 'positions';

export type LiveItem = {
  vehicleId: string;
  waybillId: string | null;
  fixTime: string; // ISO 8601, UTC
  lat: number;
  lon: number;
  speedKmh: number;
  course: number;
  alarmBits: number;
};

export const liveItem = (p: Omit<LiveItem, 'fixTime'> & { fixTime: Date }): LiveItem => ({
  vehicleId: p.vehicleId,
  waybillId: p.waybillId,
  fixTime: isoTime(p.fixTime.getTime()),
  lat: p.lat,
  lon: p.lon,
  speedKmh: p.speedKmh,
  course: p.course,
  alarmBits: p.alarmBits,
});

// One flush, as it travels between processes: items grouped by the region code of the vehicle's carrier (null
// when unknown: those reach vehicle and waybill rooms only).
export type RegionBatch = [regionCode: string | null, items: LiveItem[]];

// The jurisdiction prefixes containing a 6-digit code, widest first: 150102 -> 15, 1501, 150102; 150100 -> 15, 1501.
export function regionPrefixesOf(code: string): string[] {
  return [...new Set([regionPrefix(`${code.slice(0, 2)}0000`), regionPrefix(`${code.slice(0, 4)}00`), regionPrefix(code)])];
}

// The wider prefixes above a prefix: 150102 -> 15, 1501; 1501 -> 15; 15 -> none.
const ancestorsOf = (prefix: string): string[] => (prefix.length === 6 ? [prefix.slice(0, 2), prefix.slice(0, 4)] : prefix.length === 4 ? [prefix.slice(0, 2)] : []);

export type PlannedEmit = { to: string[]; except: string[]; items: LiveItem[] };

// The emits of one flush on one process, so that every watcher gets each position at most once per flush:
// - one emit per region room with all its positions, except to sockets already reached through a wider region
//   room (an authority following both Inner Mongolia and Hohhot);
// - one emit per vehicle (and its waybill, both rooms in one emit so that socket.io sends it once to a socket in
//   both), except to sockets reached through a region room of that vehicle.
// Rooms nobody on this process is in are skipped (`hasRoom`), so a flush nobody watches costs a map lookup per
// position. The cost per flush is then one emit per watched region room plus one per watched vehicle, however
// many positions the flush holds.
export function planEmits(batches: readonly RegionBatch[], hasRoom: (room: string) => boolean): PlannedEmit[] {
  const regionEmits = new Map<string, PlannedEmit>();
  const vehicleEmits = new Map<string, PlannedEmit | null>(); // null: nobody here watches that vehicle or waybill
  for (const [code, items] of batches) {
    const prefixes = code ? regionPrefixesOf(code) : [];
    const regionRooms = prefixes.map(regionPositionsRoom);
    for (const prefix of prefixes) {
      const room = regionPositionsRoom(prefix);
      if (!hasRoom(room)) continue;
      let emit = regionEmits.get(prefix);
      if (!emit) regionEmits.set(prefix, (emit = { to: [room], except: ancestorsOf(prefix).map(regionPositionsRoom), items: [] }));
      for (const item of items) emit.items.push(item);
    }
    for (const item of items) {
      const key = `${item.vehicleId}|${item.waybillId ?? ''}`;
      let emit = vehicleEmits.get(key);
      if (emit === undefined) {
        const to = [vehicleRoom(item.vehicleId), ...(item.waybillId ? [waybillRoom(item.waybillId)] : [])].filter(hasRoom);
        emit = to.length ? { to, except: regionRooms, items: [] } : null;
        vehicleEmits.set(key, emit);
      }
      emit?.items.push(item);
    }
  }
  const plan = [...regionEmits.values()];
  for (const emit of vehicleEmits.values()) if (emit) plan.push(emit);
  return plan;
}
