import request from 'supertest';
import { bearer, type TestApp } from './app.js';
import { ALL_OK, reportPosition } from './check-world.js';
import { idNumberWithCheck } from './ids.js';
import { createWaybillWorld, readyWaybill, type WaybillWorld } from './waybill-world.js';

// What the console's browser tests add to a waybill world: a JT/T 808 terminal on the vehicle, the loading
// site's loading manager, and helpers to put the trip on the road through the API.
let seq = 0;

export { ALL_OK };

export async function consoleWorld(t: TestApp) {
  const k = ++seq;
  const w = await createWaybillWorld(t);
  const phone = `0139${String(Date.now()).slice(-7)}${k}`.slice(0, 12);
  const terminal = await request(t.http).post('/terminals').set(bearer(w.carrier.token)).send({ phone, vehicleId: w.vehicle.id });
  if (terminal.status !== 201) throw new Error(`terminal: ${terminal.status} ${JSON.stringify(terminal.body)}`);
  const op = await request(t.http)
    .post('/people')
    .set(bearer(w.loader.token))
    .send({ name: '装卸管理员', idNumber: idNumberWithCheck(`15062719800101${String(100 + ((k * 37) % 900))}`), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' });
  if (op.status !== 201) throw new Error(`operator: ${op.status} ${JSON.stringify(op.body)}`);
  return { ...w, phone, terminalId: terminal.body.id as string, operatorId: op.body.id as string };
}
export type ConsoleWorld = Awaited<ReturnType<typeof consoleWorld>>;

// The vehicle's latest fix, as the terminal would have left it (the gate's PL-25 reads it).
export const reportAt = (t: TestApp, vehicleId: string, at: Date, lat?: number, lon?: number) => reportPosition(t, vehicleId, 0, at, lat, lon);

// Issued (with the carrier's pre-trip inspection), checked, loaded and departed: the trip the live map follows.
export async function waybillOnTheRoad(t: TestApp, w: ConsoleWorld, loadedTonnes = 19.9) {
  const wb = await readyWaybill(t, w);
  await reportAt(t, w.vehicle.id, new Date());
  const ok = async (res: request.Response, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const check = await ok(await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).send({ operatorId: w.operatorId, checklist: ALL_OK, waybillNumber: wb.number }), 'check');
  if (check.outcome !== 'pass') throw new Error(`check failed: ${JSON.stringify(check.failures)}`);
  await ok(await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({}), 'start');
  await ok(
    await request(t.http)
      .post(`/loading/${wb.id}/finish`)
      .set(bearer(w.loader.token))
      .send({ lines: [{ lineNo: 1, loadedQuantity: loadedTonnes }], seals: ['F-01'], fillingRatioPct: 90, closures: { ok: true } }),
    'finish',
  );
  await ok(await request(t.http).post(`/waybills/${wb.id}/transitions`).set(bearer(w.carrier.token)).send({ action: 'depart' }), 'depart');
  return wb as { id: string; number: string; qr: string };
}

export type { WaybillWorld };
