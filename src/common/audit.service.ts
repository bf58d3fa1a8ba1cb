import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity.js';

export type Actor = { userId: string | null; apiKeyId: string | null; requestId?: string | null };

export type AuditRecord = {
  action: string; // e.g. user.create, vehicle.update
  entityType: string;
  entityId: string;
  organisationId: string | null;
  before?: object | null;
  after?: object | null;
};

// Writes audit entries; pass the transaction's manager so that the entry commits or rolls back with the change.
@Injectable()
export class AuditService {
  constructor(private readonly ds: DataSource) {}

  async record(actor: Actor, entry: AuditRecord, manager: EntityManager = this.ds.manager): Promise<void> {
    // Through JSON so that dates and class instances are stored as the API shows them.
    const json = (v: object | null | undefined) => (v ? JSON.parse(JSON.stringify(v)) : null);
    await manager.insert(AuditEntry, {
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      requestId: actor.requestId ?? null,
      organisationId: entry.organisationId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: json(entry.before),
      after: json(entry.after),
    });
  }
}
