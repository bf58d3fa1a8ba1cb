import type { INestApplicationContext } from '@nestjs/common';
import polyline from '@googlemaps/polyline-codec';
import { DataSource } from 'typeorm';
import type { OrganisationKind } from '../accounts/organisation.entity.js';
import type { Principal } from '../accounts/principal.js';
import type { Role } from '../accounts/roles.js';
import { FleetService } from '../vehicles/fleet.service.js';
import { WaybillsService } from '../waybills/waybills.service.js';
import { DEMO_ROUTE } from './demo-waybills.seed.js';

// Monitoring demo: every simulated vehicle of demo-traffic.ts carries a waybill in transit along the demo route, so
// that the rules fire in `npm run demo` (蒙B12345 speeds: TR-01; 蒙B23456 leaves its route: TR-06; 蒙B34567 goes
// silent: TR-13). 蒙B12345's trip is seeded by demo-waybills.seed.ts; this adds the other two.

const principal = async (ds: DataSource, name: string, kind: OrganisationKind, roles: Role[]): Promise<Principal> => {
  const [org] = await ds.query(`SELECT id, region_code FROM organisations WHERE name = $1`, [name]);
  return { kind: 'user', userId: null, apiKeyId: null, sessionId: null, organisationId: org.id, organisationKind: kind, regionCode: org.region_code, roles, mustChangePassword: false };
};

export async function seedDemoMonitoring(app: INestApplicationContext): Promise<void> {
  const ds = app.get(DataSource);
  const [{ count }] = await ds.query(
    `SELECT count(*)::int AS count FROM waybills w JOIN vehicles v ON v.id = w.vehicle_id WHERE v.plate_number IN ('蒙B23456', '蒙B34567') AND w.status <> 'check_failed'`,
  );
  if (count > 0) return;
  const shipper = await principal(ds, '鄂尔多斯煤化工有限公司', 'shipper', ['org_admin', 'shipper']);
  const carrier = await principal(ds, '包头危货运输有限公司', 'carrier', ['org_admin', 'carrier']);
  const consignee = await principal(ds, '呼和浩特化工园区收货中心', 'consignee', ['org_admin', 'consignee']);
  const loader = await principal(ds, '鄂尔多斯甲醇装车站', 'loading_site', ['org_admin', 'loader']);
  const [{ origin_place_id: originId, destination_place_id: destinationId }] = await ds.query(
    `SELECT origin_place_id, destination_place_id FROM waybills WHERE status = 'in_transit' ORDER BY created_at LIMIT 1`,
  );
  const vehicle = async (plate: string) => (await ds.query(`SELECT * FROM vehicles WHERE plate_number = $1 AND status = 'active'`, [plate]))[0];
  const [main, lpg, silent] = [await vehicle('蒙B12345'), await vehicle('蒙B23456'), await vehicle('蒙B34567')];
  // 蒙B34567's road transport certificate had expired (the demo's refused pre-loading check); the carrier has
  // renewed it since, and gives it the clean fuel tank and the main crew for this trip.
  await app.get(FleetService).updateVehicle(carrier, silent.id, { transportCertValidUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10) });
  const waybills = app.get(WaybillsService);
  const trip = async (dispatch: Record<string, string | null>, lines: { unNumber: string; declaredQuantity: number; unit: 't' }[]) => {
    const dep = new Date(Date.now() - 10 * 60_000);
    const w = await waybills.create(shipper, {
      consigneeId: consignee.organisationId,
      carrierId: carrier.organisationId,
      loadingSiteId: loader.organisationId,
      originPlaceId: originId,
      destinationPlaceId: destinationId,
      plannedDepartureAt: dep,
      plannedArrivalAt: new Date(dep.getTime() + 6 * 3_600_000),
      plannedRoute: polyline.encode(DEMO_ROUTE, 5),
      emergencyContactName: '鄂尔多斯煤化工应急值班室',
      emergencyContactPhone: '0477-8888119',
      lines: lines.map((l) => ({ ...l, packagingType: '罐车', sdsRef: `SDS-UN${l.unNumber}-2026`, labelRef: `LABEL-UN${l.unNumber}` })),
    } as never);
    await waybills.dispatch(carrier, w.id, dispatch as never);
    await waybills.issue(shipper, w.id);
    await waybills.transitionAs(w.id, 'check-pass', 'loader', { principal: loader }, { note: '演示数据：查验通过' });
    await waybills.transitionAs(w.id, 'start-loading', 'loader', { principal: loader });
    await waybills.transitionAs(w.id, 'finish-loading', 'loader', { principal: loader }, { lines: lines.map((l, i) => ({ lineNo: i + 1, loadedQuantity: l.declaredQuantity })), seals: ['QF-1001'] });
    await waybills.transition(carrier, w.id, { action: 'depart' });
  };
  await trip({ vehicleId: lpg.id, tankId: lpg.usual_tank_id, driverId: lpg.usual_driver_id, escortId: lpg.usual_escort_id }, [{ unNumber: '1075', declaredQuantity: 18, unit: 't' }]);
  await trip({ vehicleId: silent.id, tankId: main.usual_tank_id, driverId: main.usual_driver_id, escortId: main.usual_escort_id }, [{ unNumber: '1202', declaredQuantity: 20, unit: 't' }]);
}
