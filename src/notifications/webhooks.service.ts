import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { AuditService } from '../common/audit.service.js';
import { BadRequestError, NotFoundError } from '../common/errors.js';
import { ENV, type Env } from '../config/env.js';
import type { CreateWebhook, ListDeliveries } from './notifications.dto.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import { webhookHostProblem, type WebhookAddressPolicy } from './webhook-address.rules.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

export const webhookPolicy = (env: Pick<Env, 'WEBHOOK_ALLOW_PRIVATE' | 'WEBHOOK_ALLOWED_HOSTS'>): WebhookAddressPolicy => ({
  allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
  allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
});

export type WebhookView = Omit<WebhookEndpoint, 'secret' | 'organisation'>;

const view = ({ secret: _secret, organisation: _org, ...rest }: WebhookEndpoint): WebhookView => rest;

// The organisation's webhook endpoints (managed by its org_admin) and their delivery history (readable by
// the whole organisation). Everything is scoped to the caller's own organisation; another organisation's
// endpoint is "not found".
@Injectable()
export class WebhooksService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  // The secret is returned here once; afterwards it is only used to sign deliveries.
  async create(p: Principal, input: CreateWebhook, requestId?: string): Promise<{ webhook: WebhookView; secret: string }> {
    // Loopback, private, link-local and local names are refused here; a name's addresses again at each delivery.
    const problem = webhookHostProblem(input.url, webhookPolicy(this.env));
    if (problem) {
      throw new BadRequestError('WEBHOOK_URL_FORBIDDEN', `Webhooks cannot go to internal addresses: ${problem}`, { url: input.url });
    }
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.ds.transaction(async (m) => {
      const saved = await m.save(
        WebhookEndpoint,
        m.create(WebhookEndpoint, {
          organisationId: p.organisationId,
          url: input.url,
          description: input.description ?? null,
          kinds: [...new Set(input.kinds)],
          secret,
          createdByUserId: p.userId,
          deactivatedAt: null,
        }),
      );
      const webhook = view(saved);
      await this.audit.record(
        { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
        { action: 'webhook.create', entityType: 'webhook_endpoint', entityId: saved.id, organisationId: p.organisationId, after: webhook },
        m,
      );
      return { webhook, secret };
    });
  }

  async list(p: Principal): Promise<WebhookView[]> {
    const rows = await this.ds.getRepository(WebhookEndpoint).find({ where: { organisationId: p.organisationId }, order: { createdAt: 'DESC', id: 'DESC' } });
    return rows.map(view);
  }

  // Deactivates rather than deletes, so that GET /webhooks/:id/deliveries still answers. Deliveries still
  // queued for it end 'dead' when their turn comes.
  async remove(p: Principal, id: string, requestId?: string): Promise<WebhookView> {
    const before = await this.get(p, id);
    if (!before.active) return view(before);
    return this.ds.transaction(async (m) => {
      await m.update(WebhookEndpoint, id, { active: false, deactivatedAt: () => 'now()' });
      const after = view(await m.findOneByOrFail(WebhookEndpoint, { id }));
      await this.audit.record(
        { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
        { action: 'webhook.remove', entityType: 'webhook_endpoint', entityId: id, organisationId: p.organisationId, before: view(before), after },
        m,
      );
      return after;
    });
  }

  async deliveries(p: Principal, id: string, q: ListDeliveries) {
    await this.get(p, id);
    const qb = this.ds.getRepository(WebhookDelivery).createQueryBuilder('d').where('d.endpoint_id = :id', { id });
    if (q.status) qb.andWhere('d.status = :status', { status: q.status });
    const [items, total] = await qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  private async get(p: Principal, id: string): Promise<WebhookEndpoint> {
    const row = await this.ds.getRepository(WebhookEndpoint).findOneBy({ id, organisationId: p.organisationId });
    if (!row) throw new NotFoundError('WEBHOOK_NOT_FOUND', 'No such webhook endpoint');
    return row;
  }
}
