import polyline from '@googlemaps/polyline-codec';
import request from 'supertest';
import type { PositionRecord } from '../../src/tracking/positions/position.js';
import { WaybillsService } from '../../src/waybills/waybills.service.js';
import { bearer, type TestApp } from './app.js';
import { issuedWaybill, type WaybillWorld } from './waybill-world.js';

// A short trip for the monitoring tests: a loading site and a destination 5 km apart on a straight road running
// east at latitude 40 (Inner Mongolia), a waybill loaded there with that planned route, and a track builder.
export const ORIGIN = { lat: 40.0, lon: 110.0 };
export const DESTINATION = { lat: 40.0, lon: 110.06 };
const M_PER_DEG_LAT = 111_320;
const M_PER_DEG_LON = 111_320 * Math.cos((40 * Math.PI) / 180);

export async function loadedTrip(t: TestApp, w: WaybillWorld) {
  const place = async (token: string, kind: string, name: string, at: { lat: number; lon: number }, regionCode: string) => {
    const res = await request(t.http).post('/places').set(bearer(token)).send({ kind, name, address: `${name}地址`, regionCode, ...at, radiusM: 500 });
    if (res.status !== 201) throw new Error(`place: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const origin = await place(w.loader.token, 'loading_site', `监控装车站${Math.random().toString(36).slice(2, 6)}`, ORIGIN, '150627');
  const destination = await place(w.consignee.token, 'unloading_site', `监控卸货点${Math.random().toString(36).slice(2, 6)}`, DESTINATION, '150105');
  const waybill = await issuedWaybill(t, w, {
    originPlaceId: origin.id,
    destinationPlaceId: destination.id,
    plannedRoute: polyline.encode([[ORIGIN.lat, ORIGIN.lon], [DESTINATION.lat, DESTINATION.lon]], 5),
  });
  const waybills = t.app.get(WaybillsService);
  const system = { principal: null };
  await waybills.transitionAs(waybill.id, 'check-pass', 'loader', system, { note: 'test' });
  await waybills.transitionAs(waybill.id, 'start-loading', 'loader', system);
  await waybills.transitionAs(waybill.id, 'finish-loading', 'loader', system, { lines: [{ lineNo: 1, loadedQuantity: 20 }], seals: ['S-1'] });
  return { waybill: waybill as { id: string; number: string }, origin, destination };
}

export type Fix = { lat: number; lon: number; speedKmh: number; alarmBits: number };

// Builds a track leg by leg from the loading site, one fix every `stepS` seconds.
export class TrackBuilder {
  readonly fixes: Fix[] = [];
  private cur = { ...ORIGIN };
  constructor(readonly stepS = 10) {}
  stay(n: number, speedKmh = 0, alarmBits = 0) {
    for (let i = 0; i < n; i++) this.fixes.push({ ...this.cur, speedKmh, alarmBits });
    return this;
  }
  // n fixes, each moved north/east by these metres from the previous one.
  go(n: number, northM: number, eastM: number, speedKmh: number, alarmBits = 0) {
    for (let i = 0; i < n; i++) {
      this.cur = { lat: this.cur.lat + northM / M_PER_DEG_LAT, lon: this.cur.lon + eastM / M_PER_DEG_LON };
      this.fixes.push({ ...this.cur, speedKmh, alarmBits });
    }
    return this;
  }
  // East along the road until within `m` metres of the destination.
  arrive(speedKmh: number, eastM: number, alarmBits = 0, m = 200) {
    while ((DESTINATION.lon - this.cur.lon) * M_PER_DEG_LON > m) this.go(1, 0, eastM, speedKmh, alarmBits);
    return this;
  }
  records(vehicleId: string, start: Date): PositionRecord[] {
    return this.fixes.map((f, i) => {
      const fixTime = new Date(start.getTime() + i * this.stepS * 1000);
      return {
        vehicleId,
        terminalId: null,
        fixTime,
        receivedAt: fixTime,
        lat: f.lat,
        lon: f.lon,
        speedKmh: f.speedKmh,
        course: 90,
        altitudeM: 1000,
        alarmBits: f.alarmBits,
        statusBits: 0b11,
        source: 'app',
        backfill: false,
      };
    });
  }
}
