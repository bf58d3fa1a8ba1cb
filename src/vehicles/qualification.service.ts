import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { shanghaiDate } from './certificate.rules.js';
import type { QualificationQuery } from './fleet.dto.js';
import { FleetRecords } from './fleet-records.js';
import { PEOPLE, TANKS, VEHICLES } from './fleet.service.js';
import { Person } from './person.entity.js';
import { overallStatus, personCertificates, tankCertificates, vehicleCertificates, type CertificateLine } from './qualification.rules.js';
import { Tank } from './tank.entity.js';
import { Vehicle } from './vehicle.entity.js';

// "Which certificates are valid, expiring within N days, or expired, as of a date" for a vehicle with its
// usual trailer, tank and crew, or for one person. Days are China Standard Time days.
@Injectable()
export class QualificationService {
  constructor(
    private readonly ds: DataSource,
    private readonly records: FleetRecords,
  ) {}

  async forVehicle(p: Principal, id: string, q: QualificationQuery) {
    const today = q.asOf ?? shanghaiDate(new Date());
    const vehicle = await this.records.get(p, VEHICLES, id);
    const byId = async <E>(entity: new () => E, linked: string | null) =>
      linked ? ((await this.ds.getRepository(entity).findOneBy({ id: linked } as never)) as E | null) : null;
    const [trailer, tank, driver, escort] = await Promise.all([
      byId(Vehicle, vehicle.usualTrailerId),
      byId(Tank, vehicle.usualTankId),
      byId(Person, vehicle.usualDriverId),
      byId(Person, vehicle.usualEscortId),
    ]);
    const lines: CertificateLine[] = [
      ...vehicleCertificates(vehicle, vehicle.kind === 'trailer' ? 'trailer' : 'vehicle', today, q.withinDays),
      ...(trailer ? vehicleCertificates(trailer, 'trailer', today, q.withinDays) : []),
      ...(tank ? tankCertificates(tank, today, q.withinDays) : []),
      ...(driver ? personCertificates(driver, 'driver', today, q.withinDays) : []),
      ...(escort ? personCertificates(escort, 'escort', today, q.withinDays) : []),
    ];
    return { asOf: today, withinDays: q.withinDays, status: overallStatus(lines), certificates: lines };
  }

  async forPerson(p: Principal, id: string, q: QualificationQuery) {
    const today = q.asOf ?? shanghaiDate(new Date());
    const person = await this.records.get(p, PEOPLE, id);
    const lines = personCertificates(person, person.categories.includes('driver') ? 'driver' : 'person', today, q.withinDays);
    return { asOf: today, withinDays: q.withinDays, status: overallStatus(lines), certificates: lines };
  }

  async forTank(p: Principal, id: string, q: QualificationQuery) {
    const today = q.asOf ?? shanghaiDate(new Date());
    const lines = tankCertificates(await this.records.get(p, TANKS, id), today, q.withinDays);
    return { asOf: today, withinDays: q.withinDays, status: overallStatus(lines), certificates: lines };
  }
}
