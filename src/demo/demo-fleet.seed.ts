import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { DEMO_ADMIN } from './demo.seed.js';
import { BlacklistService } from '../vehicles/blacklist.service.js';
import { CarrierLicenceService } from '../vehicles/carrier-licence.service.js';
import { shanghaiDate } from '../vehicles/certificate.rules.js';
import { FleetService } from '../vehicles/fleet.service.js';
import { idNumberCheckCharacter } from '../vehicles/id-number.rules.js';

// Demo fleet: two carriers with vehicles, tanks, crews and terminals. Dates are relative to today so that the
// demo always has something valid, something expiring within 30 / 7 days, something expired, and one
// blacklisted carrier: every check and reminder has something to find.

const day = (offset: number) => shanghaiDate(new Date(Date.now() + offset * 86_400_000));
const id = (first17: string) => first17 + idNumberCheckCharacter(first17);

const admin = DEMO_ADMIN;

const orgId = async (ds: DataSource, name: string) => ((await ds.query(`SELECT id FROM organisations WHERE name = $1`, [name])) as { id: string }[])[0]?.id;

export const DEMO_BLACKLISTED_CARRIER = '乌海顺达危化品运输有限公司';

export async function seedDemoFleet(app: INestApplicationContext): Promise<void> {
  const ds = app.get(DataSource);
  const fleet = app.get(FleetService);
  const carrierId = (await orgId(ds, '包头危货运输有限公司'))!;
  const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM vehicles WHERE organisation_id = $1`, [carrierId]);
  if (count > 0) return; // seeded already

  await app.get(CarrierLicenceService).put(admin, carrierId, {
    number: '蒙交运管许可危字150200000123号',
    validFrom: day(-700),
    validUntil: day(400),
    scope: ['2.1', '2.2', '2.3', '3', '6.1', '8', '9'],
    highlyToxic: true,
  });
  const person = (name: string, first17: string, categories: ('driver' | 'escort')[], qualificationDays: number, extra: object = {}) =>
    fleet.createPerson(admin, {
      organisationId: carrierId,
      name,
      idNumber: id(first17),
      categories,
      qualificationCertNumber: `1502${first17.slice(-8)}`,
      qualificationValidUntil: day(qualificationDays),
      ...(categories.includes('driver') ? { drivingLicenceClass: 'A2', drivingLicenceValidUntil: day(900) } : {}),
      ...extra,
    }) as Promise<{ id: string }>;
  const driverA = await person('李建国', '15020319800315121', ['driver'], 500, { endorsements: ['highly_toxic'] });
  const escortA = await person('王秀英', '15020319850620222', ['escort'], 300);
  const driverB = await person('赵志强', '15020419780102101', ['driver'], 6); // qualification expires within 7 days
  const escortB = await person('孙丽', '15020419900909282', ['escort'], -3); // expired
  await person('周明', '15020219820211153', ['driver', 'escort'], 25); // expiring within 30 days

  const tank = (number: string, media: string[], inspectionDays: number, extra: object = {}) =>
    fleet.createTank(admin, {
      organisationId: carrierId,
      number,
      kind: 'atmospheric',
      volumeL: 31_500,
      compartments: 3,
      tankCode: 'LGBF',
      media: media.map((unNumber) => ({ unNumber })),
      inspectionReportNo: `TJ-${number}`,
      nextInspectionDate: day(inspectionDays),
      cleaned: true,
      ...extra,
    });
  // L4BH: the code methanol (UN1230) needs, and above petrol's and diesel's LGBF (ADR 4.3.4.1.2).
  const fuelTank = await tank('蒙B-GT0101', ['1203', '1202', '1230', '1993'], 200, { tankCode: 'L4BH' });
  const expiredTank = await tank('蒙B-GT0102', ['1203', '1202'], -10, { lastCargoUn: '1203', cleaned: false });
  const lpgTank = await tank('蒙B-YG0201', ['1075', '1965', '1978'], 45, { kind: 'pressure_vessel', tankCode: 'P26BN', pressureRegistrationNo: '容3LB蒙B0201' });

  const vehicle = (plateNumber: string, over: object) =>
    fleet.createVehicle(admin, {
      organisationId: carrierId,
      plateNumber,
      plateColour: 'yellow',
      kind: 'tractor',
      model: '解放 J6P 牵引车',
      drivingLicenceValidUntil: day(600),
      nextSafetyInspection: day(180),
      transportCertNumber: `150203${plateNumber.slice(-5)}`,
      transportCertValidUntil: day(240),
      transportScope: ['2.1', '2.2', '3', '6.1', '8'],
      ratedLoadKg: 32_000,
      totalMassKg: 49_000,
      insurancePolicy: `PICC-${plateNumber.slice(-5)}`,
      insuranceValidUntil: day(300),
      adrType: 'FL',
      ...over,
    });
  const trailer = await vehicle('蒙B1234挂', { kind: 'trailer', model: '罐式半挂车', adrType: null });
  const main = await vehicle('蒙B12345', { usualTrailerId: trailer.id, usualTankId: fuelTank.id, usualDriverId: driverA.id, usualEscortId: escortA.id });
  const expiring = await vehicle('蒙B23456', { insuranceValidUntil: day(5), usualTankId: lpgTank.id, usualDriverId: driverB.id, usualEscortId: escortB.id });
  const expired = await vehicle('蒙B34567', { transportCertValidUntil: day(-2), usualTankId: expiredTank.id });
  await vehicle('蒙BD12345', { kind: 'truck', plateColour: 'yellow_green', model: '新能源厢式货车', transportScope: ['9'], ratedLoadKg: 8_000, totalMassKg: 18_000, adrType: null });

  for (const [phone, v] of [
    ['013800000001', main],
    ['013800000002', expiring],
    ['013800000003', expired],
  ] as const) {
    await fleet.createTerminal(admin, { organisationId: carrierId, protocol: 'jt808', phone, deviceId: `HZ${phone.slice(-6)}`, vehicleId: v.id });
  }

  // A second carrier in Wuhai, barred by the regional authority.
  const authorityId = (await orgId(ds, '内蒙古自治区交通运输厅'))!;
  const barredId = (await orgId(ds, DEMO_BLACKLISTED_CARRIER))!;
  const barredVehicle = await fleet.createVehicle(admin, {
    organisationId: barredId,
    plateNumber: '蒙C88888',
    plateColour: 'yellow',
    kind: 'truck',
    transportScope: ['3'],
    drivingLicenceValidUntil: day(100),
    transportCertValidUntil: day(100),
    insuranceValidUntil: day(100),
  });
  const authority: Principal = { ...admin, organisationId: authorityId, organisationKind: 'authority', regionCode: '150000', roles: ['authority'] };
  const blacklist = app.get(BlacklistService);
  await blacklist.create(authority, { subjectType: 'organisation', subjectId: barredId, reason: '2026年发生危险货物泄漏事故且未按规定报告', validFrom: day(-30), validUntil: day(335) });
  await blacklist.create(authority, { subjectType: 'vehicle', subjectId: barredVehicle.id, reason: '罐体检验报告伪造', validFrom: day(-30), validUntil: null });
}
