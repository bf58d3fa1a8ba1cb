import request from 'supertest';
import { bearer, type TestApp } from './app.js';
import { createOrgWithUser } from './fixtures.js';
import { idNumberWithCheck } from './ids.js';
import { shanghaiDate } from '../../src/vehicles/certificate.rules.js';
import { PRE_TRIP_ITEM_KEYS } from '../../src/waybills/pre-trip-inspection.rules.js';

// A time of tomorrow in China (UTC+8), as the API takes it: the world's waybills leave tomorrow at 08:00 and arrive
// at 16:00, so that they are never past their planned arrival (PL-01), whatever day the tests run.
export function tomorrowInChinaAt(hour: number): string {
  const day = shanghaiDate(new Date(Date.now() + 86_400_000));
  return `${day}T${String(hour).padStart(2, '0')}:00:00+08:00`;
}

const ok = async (res: request.Response, what: string, status = [200, 201]) => {
  if (!status.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

let n = 0;

// A vehicle whose certificates stay valid until 2030, as POST /vehicles takes it.
export const validVehicle = (plateNumber: string, kind: string, transportScope: string[]) => ({
  plateNumber,
  plateColour: 'yellow',
  kind,
  transportScope,
  drivingLicenceValidUntil: '2030-01-01',
  nextSafetyInspection: '2030-01-01',
  transportCertValidUntil: '2030-01-01',
  insuranceValidUntil: '2030-01-01',
  ratedLoadKg: 32000,
  totalMassKg: 49000,
});

// Shipper, carrier (licensed, with vehicle, trailer, tank, driver, escort), consignee and loading site, with
// the origin loading site and the destination unloading site: everything a waybill needs, made through the API.
export async function createWaybillWorld(t: TestApp, opts: { licenceScope?: string[]; vehicleScope?: string[]; highlyToxic?: boolean } = {}) {
  const k = ++n;
  const shipper = await createOrgWithUser(t, 'shipper', { regionCode: '150602' });
  const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
  const consignee = await createOrgWithUser(t, 'consignee', { regionCode: '150105' });
  const loader = await createOrgWithUser(t, 'loading_site', { regionCode: '150627' });
  const scope = opts.licenceScope ?? ['1', '2', '3', '4', '5', '6.1', '8', '9'];
  await ok(
    await request(t.http)
      .put(`/organisations/${carrier.org.id}/carrier-licence`)
      .set(bearer(carrier.token))
      .send({ number: `蒙交危${k}`, validUntil: '2030-01-01', scope, highlyToxic: opts.highlyToxic ?? true }),
    'licence',
  );
  const plate = (p: string) => `蒙B${String(k).padStart(2, '0')}${p}`;
  const vehicleBody = (plateNumber: string, kind: string) => validVehicle(plateNumber, kind, opts.vehicleScope ?? scope);
  const vehicle = await ok(await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicleBody(plate('001'), 'tractor')), 'vehicle');
  const trailer = await ok(await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicleBody(`${plate('01')}挂`, 'trailer')), 'trailer');
  const tank = await ok(
    await request(t.http)
      .post('/tanks')
      .set(bearer(carrier.token))
      .send({ number: `T-${k}`, kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: [{ unNumber: '1203' }, { unNumber: '1230' }, { unNumber: '1202' }], nextInspectionDate: '2030-01-01', cleaned: true }),
    'tank',
  );
  // ID numbers born on a day of 1985 that is the world's own for 216 worlds of one test file (people_id_number_uq).
  const person = async (name: string, categories: string[], endorsements: string[] = ['highly_toxic', 'explosives'], suffix = categories[0] === 'driver' ? '101' : '202') =>
    ok(
      await request(t.http)
        .post('/people')
        .set(bearer(carrier.token))
        .send({
          name,
          idNumber: idNumberWithCheck(`1502031985${String(1 + (Math.floor(k / 18) % 12)).padStart(2, '0')}${10 + (k % 18)}${suffix}`),
          categories,
          drivingLicenceClass: 'A2',
          drivingLicenceValidUntil: '2030-01-01',
          qualificationValidUntil: '2030-01-01',
          endorsements,
        }),
      name,
    );
  const driver = await person(`司机${k}`, ['driver']);
  const escort = await person(`押运${k}`, ['escort']);
  // The carrier's safety officer, who makes the pre-trip inspection (Order 29 art. 25).
  const inspector = await person(`安全员${k}`, ['escort'], [], '303');
  const site = (token: string, kind: string, name: string, lat: number, lon: number, regionCode: string) =>
    request(t.http).post('/places').set(bearer(token)).send({ kind, name, address: `${name}地址`, regionCode, lat, lon, radiusM: 500 });
  const origin = await ok(await site(loader.token, 'loading_site', `装车站${k}`, 39.6, 109.8, '150627'), 'origin');
  const destination = await ok(await site(consignee.token, 'unloading_site', `卸货点${k}`, 40.8, 111.7, '150105'), 'destination');
  const draft = (over: Record<string, unknown> = {}) => ({
    consigneeId: consignee.org.id,
    carrierId: carrier.org.id,
    loadingSiteId: loader.org.id,
    originPlaceId: origin.id,
    destinationPlaceId: destination.id,
    plannedDepartureAt: tomorrowInChinaAt(8),
    plannedArrivalAt: tomorrowInChinaAt(16),
    plannedRoute: '_p~iF~ps|U_ulLnnqC_mqNvxq`@',
    emergencyContactName: '应急值班室',
    emergencyContactPhone: '0477-1234567',
    lines: [{ unNumber: 'UN1203', declaredQuantity: 20, unit: 't', packagingType: '罐车', sdsRef: 'SDS-汽油-2026版', labelRef: 'LBL-汽油' }],
    ...over,
  });
  const dispatch = { vehicleId: vehicle.id, trailerId: trailer.id, tankId: tank.id, driverId: driver.id, escortId: escort.id };
  return { shipper, carrier, consignee, loader, vehicle, trailer, tank, driver, escort, inspector, origin, destination, draft, dispatch };
}

export type WaybillWorld = Awaited<ReturnType<typeof createWaybillWorld>>;

// Draft, dispatched and issued.
export async function issuedWaybill(t: TestApp, w: WaybillWorld, over: Record<string, unknown> = {}) {
  const created = await ok(await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft(over)), 'create');
  await ok(await request(t.http).post(`/waybills/${created.id}/dispatch`).set(bearer(w.carrier.token)).send(w.dispatch), 'dispatch');
  return ok(await request(t.http).post(`/waybills/${created.id}/issue`).set(bearer(w.shipper.token)), 'issue');
}

// A pre-trip inspection body (Order 29 art. 25; PL-26): made now by the world's safety officer, every item passed,
// the world's driver and escort briefed. Now, not a minute ago: PL-26 wants the check's Shanghai day, and a record
// dated back would fail every check made in the first minute after 16:00 UTC.
export function preTripBody(w: WaybillWorld, over: Record<string, unknown> = {}) {
  const at = new Date().toISOString();
  return {
    inspectorId: w.inspector.id,
    inspectedAt: at,
    items: PRE_TRIP_ITEM_KEYS.map((key) => ({ key, ok: true })),
    briefing: { personIds: [w.driver.id, w.escort.id], briefedAt: at },
    ...over,
  };
}

export async function recordPreTrip(t: TestApp, w: WaybillWorld, waybillId: string, over: Record<string, unknown> = {}) {
  return ok(await request(t.http).post(`/waybills/${waybillId}/pre-trip-inspections`).set(bearer(w.carrier.token)).send(preTripBody(w, over)), 'pre-trip inspection');
}

// Issued, and the carrier's pre-trip inspection and briefing recorded: ready for a pre-loading check that passes.
export async function readyWaybill(t: TestApp, w: WaybillWorld, over: Record<string, unknown> = {}) {
  const wb = await issuedWaybill(t, w, over);
  await recordPreTrip(t, w, wb.id);
  return wb;
}
