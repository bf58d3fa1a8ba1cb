import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service.js';
import type { Principal } from '../accounts/principal.js';
import { AuditService } from '../common/audit.service.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { CarrierLicence } from './carrier-licence.entity.js';
import type { CarrierLicenceInput } from './fleet.dto.js';
import { FleetRecords } from './fleet-records.js';

@Injectable()
export class CarrierLicenceService {
  constructor(
    private readonly ds: DataSource,
    private readonly accounts: AccountsService,
    private readonly records: FleetRecords,
    private readonly audit: AuditService,
  ) {}

  async get(p: Principal, organisationId: string): Promise<CarrierLicence> {
    await this.accounts.getOrganisation(p, organisationId); // scope check: not found outside it
    const licence = await this.ds.getRepository(CarrierLicence).findOneBy({ organisationId });
    if (!licence) throw new NotFoundError('CARRIER_LICENCE_NOT_FOUND', 'This carrier has no licence on record');
    return licence;
  }

  // Creates or replaces the carrier's licence (a renewed licence replaces the old one; the audit keeps both).
  async put(p: Principal, organisationId: string, input: CarrierLicenceInput, requestId?: string): Promise<CarrierLicence> {
    const org = await this.accounts.getOrganisation(p, organisationId);
    if (org.kind !== 'carrier') throw new BadRequestError('NOT_A_CARRIER', 'Only carriers hold a road dangerous-goods transport licence');
    if (!this.records.canWrite(p, org.id)) throw new ForbiddenError('ROLE_REQUIRED', "Only the carrier's org_admin or carrier can change its licence");
    return this.ds.transaction(async (m) => {
      const before = await m.findOneBy(CarrierLicence, { organisationId });
      await m.upsert(CarrierLicence, { organisationId, ...input, validFrom: input.validFrom ?? null }, ['organisationId']);
      const after = await m.findOneByOrFail(CarrierLicence, { organisationId });
      await this.audit.record(
        { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
        { action: before ? 'carrier-licence.update' : 'carrier-licence.create', entityType: 'carrier_licence', entityId: after.id, organisationId, before, after },
        m,
      );
      return after;
    });
  }
}
