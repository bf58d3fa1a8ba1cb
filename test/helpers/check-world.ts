import request from 'supertest';
import { GATE_CHECKLIST } from '../../src/loading-checks/check-rules.catalogue.js';
import { bearer, type TestApp } from './app.js';
import { idNumberWithCheck } from './ids.js';
import { createWaybillWorld, type WaybillWorld } from './waybill-world.js';

// What a pre-loading check needs beyond a waybill world: a bound terminal with a fresh, fault-free position (PL-25) and a qualified loading manager
// of the loading site to run the check (PL-31).

// Every pre-loading gate checklist item answered yes: the person at the gate confirmed what data cannot.
export const ALL_OK = GATE_CHECKLIST.filter((i) => i.phase === 'pre_loading').map((i) => ({ key: i.key, ok: true }));

export type CheckWorld = WaybillWorld & { operatorId: string };

let seq = 0;

const expectStatus = (res: request.Response, status: number, what: string) => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

// The vehicle's latest position, as the terminal ingest would store it (there is no HTTP endpoint that writes
// positions: they arrive over JT/T 808).
export const reportPosition = (t: TestApp, vehicleId: string, alarmBits = 0, at = new Date(), lat = 39.6, lon = 109.8) =>
  t.ds.query(
    `INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, received_at)
     VALUES ($1, $2, $4, $5, 0, 0, $3, 3, $2)
     ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = excluded.fix_time, lat = excluded.lat, lon = excluded.lon, alarm_bits = excluded.alarm_bits, received_at = excluded.received_at`,
    [vehicleId, at, alarmBits, lat, lon],
  );

// A terminal bound to the vehicle (through the API) and a fresh position for it.
export async function trackVehicle(t: TestApp, x: WaybillWorld, vehicleId: string) {
  const phone = `013800${String(++seq).padStart(6, '0')}`;
  expectStatus(await request(t.http).post('/terminals').set(bearer(x.carrier.token)).send({ phone, vehicleId }), 201, 'terminal');
  await reportPosition(t, vehicleId);
}

export async function createCheckWorld(t: TestApp, opts: Parameters<typeof createWaybillWorld>[1] = {}): Promise<CheckWorld> {
  const x = await createWaybillWorld(t, opts);
  await trackVehicle(t, x, x.vehicle.id);
  const op = await request(t.http)
    .post('/people')
    .set(bearer(x.loader.token))
    .send({ name: '装卸管理员', idNumber: idNumberWithCheck(`15062719800101${String(++seq).padStart(3, '0')}`), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' });
  return { ...x, operatorId: expectStatus(op, 201, 'operator').id as string };
}

// POST /loading-checks by the world's loading site, every checklist item answered yes unless the body says otherwise.
export const startCheck = (t: TestApp, x: CheckWorld, body: Record<string, unknown>) =>
  request(t.http).post('/loading-checks').set(bearer(x.loader.token)).send({ operatorId: x.operatorId, checklist: ALL_OK, ...body });
