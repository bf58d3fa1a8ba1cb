import polylineCodec from '@googlemaps/polyline-codec';
import { tunnelProhibitions } from '../dangerous-goods/tunnel.rules.js';
import type { GeoPolygon } from '../waybills/place.entity.js';
import type { GeofenceRef, TripContext } from './rules/monitoring.types.js';
import { RouteCache } from './route-cache.js';

const { decode } = polylineCodec;

// Statuses in which a waybill's goods are on the vehicle (tracking/positions/waybill-links.ts GOODS_ON_BOARD): the
// trip the rules watch.
export const TRIP_STATUSES = ['loaded', 'in_transit', 'arrived', 'incident'];

// Who owns the vehicle and what the alarm rows and rooms need, beside the rules' TripContext.
export type VehicleInfo = { vehicleId: string; plate: string; carrierId: string; regionCode: string; contactPhone: string | null };
export type TripInfo = { ctx: TripContext; info: VehicleInfo; waybillNumber: string | null; consigneeId: string | null; shipperId: string | null };

type Query = (sql: string, params: unknown[]) => Promise<any[]>;

const noTrip = (vehicleId: string): TripContext => ({
  vehicleId,
  waybillId: null,
  waybillStatus: null,
  plannedRoute: null,
  permitGoods: false,
  stopSensitiveGoods: false,
  goodsClasses: [],
  plannedDeparture: null,
  plannedArrival: null,
  departedAt: null,
  permitWindows: [],
  expiries: [],
  loadingSite: null,
  destination: null,
  plannedStops: [],
  driverId: null,
  approvedZoneIds: [],
});

// Decoded planned routes, bounded (route-cache.ts).
const routes = new RouteCache((encoded) => decode(encoded, 5) as [number, number][]);
const decodeRoute = (encoded: string | null) => routes.route(encoded, Date.now());

// Loads what the rules need to know about each vehicle's current trip, in a fixed number of queries per batch of
// vehicles (not per vehicle): owner, the waybill with goods on board, its goods classes and flags, permits,
// the certificates that matter en route, loading site and destination geofences, departure time.
export async function loadTripInfos(query: Query, vehicleIds: readonly string[]): Promise<Map<string, TripInfo>> {
  const out = new Map<string, TripInfo>();
  if (vehicleIds.length === 0) return out;
  const vehicles: any[] = await query(
    `SELECT v.id, v.plate_number, v.organisation_id, o.region_code, o.contact_phone,
            v.driving_licence_valid_until::text AS dl, v.next_safety_inspection::text AS si,
            v.transport_cert_valid_until::text AS tc, v.insurance_valid_until::text AS ins
       FROM vehicles v JOIN organisations o ON o.id = v.organisation_id
      WHERE v.id = ANY($1::uuid[])`,
    [vehicleIds],
  );
  const waybills: any[] = await query(
    `SELECT DISTINCT ON (w.vehicle_id) w.id, w.vehicle_id, w.number, w.status, w.planned_route, w.planned_departure_at,
            w.planned_arrival_at, w.permit_ids, w.consignee_id, w.shipper_id, w.driver_id, w.escort_id, w.tank_id,
            w.trailer_id, w.origin_place_id, w.destination_place_id, w.carrier_id
       FROM waybills w
      WHERE w.vehicle_id = ANY($1::uuid[]) AND w.status = ANY($2::text[])
      ORDER BY w.vehicle_id, w.updated_at DESC`,
    [vehicleIds, TRIP_STATUSES],
  );
  const wIds = waybills.map((w) => w.id);
  const [lines, places, permits, departures, people, tanks, trailers, licences]: any[][] = wIds.length
    ? await Promise.all([
        query(`SELECT waybill_id, hazard_class, flags, tunnel_code, declared_quantity, loaded_quantity, unit, packaging_type FROM waybill_lines WHERE waybill_id = ANY($1::uuid[])`, [wIds]),
        query(`SELECT id, name, lat, lon, geofence, radius_m FROM places WHERE id = ANY($1::uuid[])`, [waybills.flatMap((w) => [w.origin_place_id, w.destination_place_id]).filter(Boolean)]),
        query(`SELECT id, number, type, valid_from, valid_until FROM permits WHERE id = ANY($1::uuid[])`, [waybills.flatMap((w) => w.permit_ids ?? [])]),
        query(`SELECT waybill_id, min(at) AS at FROM waybill_events WHERE waybill_id = ANY($1::uuid[]) AND to_status = 'in_transit' GROUP BY waybill_id`, [wIds]),
        query(
          `SELECT id, name, id_number, qualification_cert_number, driving_licence_valid_until::text AS dl, qualification_valid_until::text AS q FROM people WHERE id = ANY($1::uuid[])`,
          [waybills.flatMap((w) => [w.driver_id, w.escort_id]).filter(Boolean)],
        ),
        query(`SELECT id, number, next_inspection_date::text AS d FROM tanks WHERE id = ANY($1::uuid[])`, [waybills.map((w) => w.tank_id).filter(Boolean)]),
        query(
          `SELECT id, plate_number, transport_cert_valid_until::text AS tc, next_safety_inspection::text AS si FROM vehicles WHERE id = ANY($1::uuid[])`,
          [waybills.map((w) => w.trailer_id).filter(Boolean)],
        ),
        query(`SELECT organisation_id, valid_until::text AS d FROM carrier_licences WHERE organisation_id = ANY($1::uuid[])`, [waybills.map((w) => w.carrier_id).filter(Boolean)]),
      ])
    : [[], [], [], [], [], [], [], []];
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const placeById = byId(places);
  const permitById = byId(permits);
  const personById = byId(people);
  const tankById = byId(tanks);
  const trailerById = byId(trailers);
  const licenceByOrg = new Map(licences.map((l) => [l.organisation_id, l.d as string]));
  const departedAt = new Map(departures.map((d) => [d.waybill_id, d.at as Date]));
  const waybillByVehicle = new Map(waybills.map((w) => [w.vehicle_id, w]));
  const geofence = (id: string | null): GeofenceRef | null => {
    const p = id ? placeById.get(id) : undefined;
    return p ? { placeId: p.id, name: p.name, lat: p.lat, lon: p.lon, geofence: (p.geofence as GeoPolygon | null) ?? null, radiusM: p.radius_m } : null;
  };
  for (const v of vehicles) {
    const info: VehicleInfo = { vehicleId: v.id, plate: v.plate_number, carrierId: v.organisation_id, regionCode: v.region_code, contactPhone: v.contact_phone };
    const w = waybillByVehicle.get(v.id);
    const expiries: TripContext['expiries'] = [];
    const exp = (kind: string, subject: string, d: string | null | undefined) => d && expiries.push({ kind, subject, expiresOn: d });
    exp('drivingLicence', `vehicle ${v.plate_number}`, v.dl);
    exp('safetyInspection', `vehicle ${v.plate_number}`, v.si);
    exp('transportCertificate', `vehicle ${v.plate_number}`, v.tc);
    exp('liabilityInsurance', `vehicle ${v.plate_number}`, v.ins);
    if (!w) {
      out.set(v.id, { ctx: { ...noTrip(v.id), expiries }, info, waybillNumber: null, consigneeId: null, shipperId: null });
      continue;
    }
    const wLines = lines.filter((l) => l.waybill_id === w.id);
    const flags = wLines.map((l) => (l.flags ?? {}) as Record<string, boolean>);
    const classes = [...new Set(wLines.map((l) => String(l.hazard_class)))];
    const wPermits = ((w.permit_ids ?? []) as string[]).map((id) => permitById.get(id)).filter(Boolean);
    for (const [role, id] of [['driver', w.driver_id], ['escort', w.escort_id]] as const) {
      const person = id ? personById.get(id) : undefined;
      if (!person) continue;
      exp('drivingLicence', `${role} ${person.name}`, person.dl);
      exp('qualification', `${role} ${person.name}`, person.q);
    }
    const tank = w.tank_id ? tankById.get(w.tank_id) : undefined;
    if (tank) exp('inspection', `tank ${tank.number}`, tank.d);
    const trailer = w.trailer_id ? trailerById.get(w.trailer_id) : undefined;
    if (trailer) {
      exp('transportCertificate', `trailer ${trailer.plate_number}`, trailer.tc);
      exp('safetyInspection', `trailer ${trailer.plate_number}`, trailer.si);
    }
    for (const p of wPermits) exp('permit', `permit ${p.number}`, new Date(p.valid_until.getTime() + 8 * 3_600_000).toISOString().slice(0, 10));
    exp('carrierLicence', 'carrier', licenceByOrg.get(w.carrier_id));
    const ctx: TripContext = {
      ...noTrip(v.id),
      waybillId: w.id,
      waybillStatus: w.status,
      plannedRoute: decodeRoute(w.planned_route),
      // Highly toxic goods, explosives (class 1) and goods travelling under a permit follow a permit route (TR-06).
      permitGoods: wPermits.length > 0 || flags.some((f) => f.highlyToxic) || classes.some((c) => c === '1' || c.startsWith('1.')),
      stopSensitiveGoods: flags.some((f) => f.highlyToxic || f.explosivePrecursor),
      goodsClasses: classes,
      plannedDeparture: w.planned_departure_at,
      plannedArrival: w.planned_arrival_at,
      departedAt: departedAt.get(w.id) ?? null,
      permitWindows: wPermits.map((p) => ({ permitId: p.id, number: p.number, validFrom: p.valid_from, validTo: p.valid_until })),
      expiries,
      loadingSite: geofence(w.origin_place_id),
      destination: geofence(w.destination_place_id),
      driverId: w.driver_id,
      crew: (
        [
          ['driver', w.driver_id],
          ['escort', w.escort_id],
        ] as const
      ).flatMap(([role, id]) => {
        const person = id ? personById.get(id) : undefined;
        return person ? [{ role, personId: person.id, name: person.name, qualificationCertNumber: person.qualification_cert_number, idNumber: person.id_number }] : [];
      }),
      tunnelProhibited: tunnelProhibitions(
        wLines.map((l) => l.tunnel_code),
        {
          tank: w.tank_id !== null,
          bulk: wLines.some((l) => /bulk|散装/i.test(l.packaging_type ?? '')),
          // class 1 quantities in kg or t stand for the net explosive mass (B1000C, C5000D)
          explosiveNetMassKg: wLines
            .filter((l) => String(l.hazard_class).startsWith('1'))
            .reduce((kg, l) => kg + Number(l.loaded_quantity ?? l.declared_quantity) * (l.unit === 't' ? 1000 : l.unit === 'kg' ? 1 : 0), 0),
        },
      ),
    };
    out.set(v.id, { ctx, info, waybillNumber: w.number, consigneeId: w.consignee_id, shipperId: w.shipper_id });
  }
  return out;
}
