import type { INestApplicationContext } from '@nestjs/common';
import polyline from '@googlemaps/polyline-codec';
import { DataSource } from 'typeorm';
import type { OrganisationKind } from '../accounts/organisation.entity.js';
import type { Principal } from '../accounts/principal.js';
import type { Role } from '../accounts/roles.js';
import { GATE_CHECKLIST_KEYS } from '../loading-checks/check-rules.catalogue.js';
import { LoadingChecksService } from '../loading-checks/loading-checks.service.js';
import { FleetService } from '../vehicles/fleet.service.js';
import { idNumberCheckCharacter } from '../vehicles/id-number.rules.js';
import { SIMULATOR_ROUTES } from '../tracking/simulator/simulator.routes.js';
import { PlacesService } from '../waybills/places.service.js';
import { PRE_TRIP_ITEM_KEYS } from '../waybills/pre-trip-inspection.rules.js';
import { PreTripInspectionsService } from '../waybills/pre-trip-inspections.service.js';
import { WaybillsService } from '../waybills/waybills.service.js';

// Demo waybills from the Ordos methanol loading station to the Hohhot chemical park, in several states: a draft,
// an issued one waiting for its check, one in transit, one closed, one in discrepancy and one cancelled. The carrier
// records its pre-trip inspection and safety briefing (Order 29 art. 25, PL-26) on the day of each trip that loads.

// The Ordos → Hohhot corridor of the simulated terminals, so that the demo vehicles drive inside their waybills'
// planned route.
export const DEMO_ROUTE = SIMULATOR_ROUTES.demo! as [number, number][];

const principal = async (ds: DataSource, name: string, kind: OrganisationKind, roles: Role[]): Promise<Principal> => {
  const [org] = await ds.query(`SELECT id, region_code FROM organisations WHERE name = $1`, [name]);
  return {
    kind: 'user',
    userId: null,
    apiKeyId: null,
    sessionId: null,
    organisationId: org.id,
    organisationKind: kind,
    regionCode: org.region_code,
    roles,
    mustChangePassword: false,
  };
};

export async function seedDemoWaybills(app: INestApplicationContext): Promise<void> {
  const ds = app.get(DataSource);
  const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM waybills`);
  if (count > 0) return;
  const shipper = await principal(ds, '鄂尔多斯煤化工有限公司', 'shipper', ['org_admin', 'shipper']);
  const carrier = await principal(ds, '包头危货运输有限公司', 'carrier', ['org_admin', 'carrier']);
  const consignee = await principal(ds, '呼和浩特化工园区收货中心', 'consignee', ['org_admin', 'consignee']);
  const loader = await principal(ds, '鄂尔多斯甲醇装车站', 'loading_site', ['org_admin', 'loader']);
  const places = app.get(PlacesService);
  const origin = await places.create(loader, {
    kind: 'loading_site',
    name: '鄂尔多斯甲醇装车站 1号栈台',
    address: '内蒙古鄂尔多斯市准格尔旗大路工业园区',
    regionCode: '150622',
    lat: DEMO_ROUTE[0]![0],
    lon: DEMO_ROUTE[0]![1],
    radiusM: 400,
  } as never);
  const destination = await places.create(consignee, {
    kind: 'unloading_site',
    name: '呼和浩特化工园区 3号罐区',
    address: '内蒙古呼和浩特市托克托县工业园区',
    regionCode: '150122',
    lat: DEMO_ROUTE.at(-1)![0],
    lon: DEMO_ROUTE.at(-1)![1],
    radiusM: 500,
  } as never);
  const [main] = await ds.query(
    `SELECT id, usual_trailer_id, usual_tank_id, usual_driver_id, usual_escort_id FROM vehicles WHERE plate_number = '蒙B12345' AND status = 'active'`,
  );
  const dispatch = { vehicleId: main.id, trailerId: main.usual_trailer_id, tankId: main.usual_tank_id, driverId: main.usual_driver_id, escortId: main.usual_escort_id };
  const waybills = app.get(WaybillsService);
  const day = (offsetDays: number, hour: number) => new Date(Date.now() + offsetDays * 86_400_000 + (hour - 12) * 3_600_000);
  const draft = (dep: Date, lines: { unNumber: string; declaredQuantity: number; unit: 't'; packingGroup?: 'II' | 'III' }[]) =>
    waybills.create(shipper, {
      consigneeId: consignee.organisationId,
      carrierId: carrier.organisationId,
      loadingSiteId: loader.organisationId,
      originPlaceId: origin.id,
      destinationPlaceId: destination.id,
      plannedDepartureAt: dep,
      plannedArrivalAt: new Date(dep.getTime() + 6 * 3_600_000),
      plannedRoute: polyline.encode(DEMO_ROUTE, 5),
      emergencyContactName: '鄂尔多斯煤化工应急值班室',
      emergencyContactPhone: '0477-8888119',
      emergencyMeasures: '泄漏时切断火源，用砂土围堵；着火用抗溶性泡沫灭火；人员撤离至上风向。',
      lines: lines.map((l) => ({ ...l, packagingType: '罐车', sdsRef: `SDS-UN${l.unNumber}-2026`, labelRef: `LABEL-UN${l.unNumber}` })),
    });
  // What the 31,500 L fuel tank takes at 95 %: about 23.7 t of methanol (0.791 kg/L), 25 t of diesel (0.84 kg/L).
  const methanol = [{ unNumber: '1230', declaredQuantity: 23, unit: 't' as const }];
  const diesel = [{ unNumber: '1202', declaredQuantity: 25, unit: 't' as const, packingGroup: 'III' as const }];
  const issue = async (dep: Date, lines: typeof methanol) => {
    const w = await draft(dep, lines);
    await waybills.dispatch(carrier, w.id, dispatch);
    return waybills.issue(shipper, w.id);
  };
  // The carrier's safety man 周明 inspects; the trip's driver and escort are briefed. failed: items found wrong.
  const [inspector] = await ds.query(`SELECT id FROM people WHERE name = '周明' AND organisation_id = $1`, [carrier.organisationId]);
  const preTrips = app.get(PreTripInspectionsService);
  const preTrip = (id: string, at: Date, failed: Partial<Record<(typeof PRE_TRIP_ITEM_KEYS)[number], string>> = {}, crew = [dispatch.driverId, dispatch.escortId]) =>
    preTrips.record(carrier, id, {
      inspectorId: inspector.id,
      inspectedAt: at,
      items: PRE_TRIP_ITEM_KEYS.map((key) => (failed[key] ? { key, ok: false, note: failed[key] } : { key, ok: true })),
      briefing: { personIds: crew, briefedAt: at, note: '告知路线、天气、货物危险特性和应急处置要点' },
    });
  // Trips of earlier days move past their check without one: the rules judge today's records (PL-26 wants the
  // inspection of the check's own day), so a check run now could not stand for one made on those days.
  const loadEarlier = async (id: string, qty: number) => {
    await waybills.transitionAs(id, 'check-pass', 'loader', { principal: loader }, { note: '演示数据：往日行程，查验未留记录' });
    await waybills.transitionAs(id, 'start-loading', 'loader', { principal: loader });
    await waybills.transitionAs(id, 'finish-loading', 'loader', { principal: loader }, { lines: [{ lineNo: 1, loadedQuantity: qty }], seals: ['QF-0001', 'QF-0002'] });
  };

  // The loading station's loading manager, who runs the gate checks below (PL-31).
  const first17 = '15062719790405121';
  const operator = (await app.get(FleetService).createPerson(loader, {
    name: '陈装卸',
    idNumber: first17 + idNumberCheckCharacter(first17),
    categories: ['loading_manager'],
    qualificationCertNumber: '1506270001',
    qualificationValidUntil: new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10),
  })) as { id: string };
  const checks = app.get(LoadingChecksService);
  const checklist = GATE_CHECKLIST_KEYS.filter((k) => k !== 'closures_after_loading').map((key) => ({ key, ok: true }));
  // The main vehicle's terminal reported a moment ago (the demo's simulated terminals keep it moving later).
  await ds.query(
    `INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, received_at)
     VALUES ($1, now(), $2, $3, 0, 0, 0, 3, now()) ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = now(), received_at = now()`,
    [main.id, DEMO_ROUTE[0]![0], DEMO_ROUTE[0]![1]],
  );
  // Today's trips go through the gate: a passing check, loading started on it, and the loading record.
  const checkAndLoad = async (w: { id: string; number: string }, qty: number, fillingRatioPct: number) => {
    const check = await checks.start(loader, { waybillNumber: w.number, operatorId: operator.id, checklist });
    if (check.outcome !== 'pass') throw new Error(`demo: the check of ${w.number} failed: ${check.failures.map((f) => f.ruleId).join(', ')}`);
    await checks.startLoading(loader, w.id, {});
    await checks.finishLoading(loader, w.id, { lines: [{ lineNo: 1, loadedQuantity: qty }], seals: ['QF-1001', 'QF-1002'], fillingRatioPct, closures: { ok: true } });
  };

  await draft(day(2, 8), methanol); // draft
  await issue(day(1, 8), methanol); // issued, waiting for its check
  const moving = await issue(day(0, 9), methanol); // in transit
  await preTrip(moving.id, new Date());
  await checkAndLoad(moving, 22.96, 92.1); // 29,027 L of 31,500
  await waybills.transition(carrier, moving.id, { action: 'depart' });
  const done = await issue(day(-2, 8), diesel); // closed
  await preTrip(done.id, day(-2, 7));
  await loadEarlier(done.id, 25);
  await waybills.transition(carrier, done.id, { action: 'depart' });
  await waybills.transition(carrier, done.id, { action: 'arrive' });
  await waybills.deliver(consignee, done.id, { lines: [{ lineNo: 1, receivedQuantity: 24.97 }], sealsIntact: true });
  const short = await issue(day(-1, 8), methanol); // discrepancy (methanol in a tank: zero tolerance)
  await preTrip(short.id, day(-1, 7));
  await loadEarlier(short.id, 23);
  await waybills.transition(carrier, short.id, { action: 'depart' });
  await waybills.transition(carrier, short.id, { action: 'arrive' });
  await waybills.deliver(consignee, short.id, { lines: [{ lineNo: 1, receivedQuantity: 22.6 }], sealsIntact: true, note: '地磅复核短少约400kg' });
  const dropped = await issue(day(3, 8), diesel); // cancelled
  await waybills.transition(shipper, dropped.id, { action: 'cancel', note: '客户取消订单' });

  // Pre-loading checks at the gate: one that passes and is waiting for loading, and checks that fail, each for its
  // own reason but the last, which fails for several, PL-26 among them (the carrier's inspection found the satellite
  // terminal without a fix).
  const ready = await issue(day(0, 14), diesel);
  await preTrip(ready.id, new Date());
  await checks.start(loader, { waybillNumber: ready.number, operatorId: operator.id, checklist }); // passes
  const refusedWith = async (dep: Date, lines: Parameters<typeof draft>[1], crew: Partial<typeof dispatch>, answers = checklist) => {
    const w = await draft(dep, lines);
    await waybills.dispatch(carrier, w.id, { ...dispatch, ...crew });
    const issued = await waybills.issue(shipper, w.id);
    await preTrip(issued.id, new Date(), {}, [crew.driverId ?? dispatch.driverId, crew.escortId ?? dispatch.escortId]);
    return checks.start(loader, { waybillNumber: issued.number, operatorId: operator.id, checklist: answers });
  };
  // The escort's qualification certificate expired three days ago (PL-10).
  const [expiredEscort] = await ds.query(`SELECT id FROM people WHERE name = '孙丽' AND organisation_id = $1`, [carrier.organisationId]);
  await refusedWith(day(0, 15), diesel, { escortId: expiredEscort.id });
  // Hydrochloric acid is not among the fuel tank's approved media (PL-13: the list decides, though L4BH would cover L4BN).
  await refusedWith(day(0, 15), [{ unNumber: '1789', declaredQuantity: 20, unit: 't', packingGroup: 'II' }], {});
  // The gate found the fire extinguishers out of date (PL-24, the emergency equipment item answered no).
  await refusedWith(
    day(0, 16),
    diesel,
    {},
    checklist.map((c) => (c.key === 'emergency_equipment' ? { key: c.key, ok: false, note: '灭火器超过检验期' } : c)),
  );
  const [expired] = await ds.query(`SELECT id, usual_tank_id FROM vehicles WHERE plate_number = '蒙B34567' AND status = 'active'`);
  const refused = await draft(day(0, 16), diesel);
  await waybills.dispatch(carrier, refused.id, { vehicleId: expired.id, tankId: expired.usual_tank_id, driverId: main.usual_driver_id, escortId: main.usual_escort_id });
  const refusedIssued = await waybills.issue(shipper, refused.id);
  await preTrip(refusedIssued.id, new Date(), { satellite_terminal: '终端无定位信号' });
  // Fails: road transport certificate expired, tank inspection overdue, last cargo not cleaned, no terminal data, and
  // the pre-trip inspection's failed item (PL-26).
  await checks.start(loader, { waybillNumber: refusedIssued.number, operatorId: operator.id, checklist });
}
