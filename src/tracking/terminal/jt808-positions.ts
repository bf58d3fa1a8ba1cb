import type { PositionRecord } from '../positions/position.js';
import type { Jt808Batch, Jt808Position } from './jt808/jt808.decoder.js';

// Decoded JT/T 808 positions → PositionRecord, the one shape the position pipeline reads. Pure.
//
// Decoder findings are not filters here: a latitude of 95 or a fix with the "not positioned" status bit is still
// handed over, and the plausibility filter (positions/plausibility.rules.ts) stores it with quality flags. Only what
// cannot be a row at all is left out:
// - a fix without a usable time (decoder issue TIME_INVALID: non-BCD or impossible clock): the positions table is
//   keyed by (vehicle_id, fix_time), and inventing a time would put the point somewhere in the track it never was;
// - column ranges are respected so that one odd value cannot fail a whole write batch: a direction above 360
//   (the field is a WORD) is stored as course 0 with the value sent kept in `extra.direction`.

export type SessionBinding = { vehicleId: string; terminalId: string };

export type MappedPositions = { records: PositionRecord[]; dropped: number };

export function positionRecord(p: Jt808Position, binding: SessionBinding, receivedAt: Date, backfill: boolean): PositionRecord | null {
  if (p.time === null) return null;
  const directionOk = p.direction <= 360;
  return {
    vehicleId: binding.vehicleId,
    terminalId: binding.terminalId,
    fixTime: p.time,
    receivedAt,
    lat: p.latitude,
    lon: p.longitude,
    speedKmh: p.speedKmh,
    // 360 is north as well (some terminals count 1-360).
    course: directionOk ? p.direction % 360 : 0,
    altitudeM: p.altitude,
    alarmBits: p.alarm >>> 0,
    statusBits: p.status >>> 0,
    mileageKm: p.extras.mileageKm ?? null,
    source: 'jt808',
    backfill,
    extra: positionExtra(p, directionOk),
  };
}

// 0x0200: one record (or none, see above).
export function locationRecords(p: Jt808Position, binding: SessionBinding, receivedAt: Date): MappedPositions {
  const r = positionRecord(p, binding, receivedAt, false);
  return r ? { records: [r], dropped: 0 } : { records: [], dropped: 1 };
}

// 0x0704: type 1 is a blind-area back-fill (补报, JT/T 808-2013 §8.50): history, never a live event. Items the
// decoder could not cut out of the body are not here: unreadableItems() counts them.
export function batchRecords(b: Jt808Batch, binding: SessionBinding, receivedAt: Date): MappedPositions {
  const records: PositionRecord[] = [];
  let dropped = 0;
  for (const p of b.positions) {
    const r = positionRecord(p, binding, receivedAt, b.batchType === 1);
    if (r) records.push(r);
    else dropped++;
  }
  return { records, dropped };
}

// Items of a 0x0704 that were not read at all: those its count declares beyond the ones decoded (after a truncated
// item the decoder stops, so every item from there on is lost), or one for bytes left over after the declared
// items (they may be an item the count leaves out). Items read without a usable time are MappedPositions.dropped.
export function unreadableItems(b: Pick<Jt808Batch, 'count' | 'positions' | 'malformed'>): number {
  return Math.max(b.count - b.positions.length, b.malformed.length);
}

// Additional items other than mileage (which has its own column), in a compact form: bit words without their
// derived name lists (the names follow from the word, jt808.constants.ts), vendor items as hex. Null when there
// is nothing, which is most reports.
export function positionExtra(p: Jt808Position, directionOk = p.direction <= 360): Record<string, unknown> | null {
  const { mileageKm: _mileage, vehicleSignals, ioStatus, ...typed } = p.extras;
  const extra: Record<string, unknown> = { ...typed };
  if (vehicleSignals) extra.vehicleSignals = vehicleSignals.word;
  if (ioStatus) extra.ioStatus = ioStatus.word;
  // Vendor items as sent ({ id, hex }), repeated ids included.
  if (p.rawItems.length > 0) extra.items = p.rawItems;
  if (p.trailingHex !== null) extra.trailingHex = p.trailingHex;
  if (!directionOk) extra.direction = p.direction;
  if (p.issues.length > 0) extra.issues = p.issues;
  return Object.keys(extra).length > 0 ? extra : null;
}
