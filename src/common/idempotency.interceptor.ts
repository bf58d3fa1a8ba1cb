import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { canonicalJson } from './canonical-json.js';
import { toErrorBody } from './error.filter.js';
import { BadRequestError, ConflictError, DomainError, RuleViolationError } from './errors.js';

export const IDEMPOTENT = 'hazway:idempotent';
// Marks a write that honours an Idempotency-Key header (creates and transitions that a client may retry).
export const Idempotent = () => SetMetadata(IDEMPOTENT, true);

// A stored answer replayed by DomainErrorFilter exactly as first sent.
export class ReplayedResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('replayed');
  }
}

const KEY = /^[A-Za-z0-9_.:-]{1,100}$/;

// Idempotency-Key (per organisation): the first request with a key runs and its answer (success or a 4xx
// refusal) is stored; a retry with the same key and the same request gets that answer again, marked
// Idempotent-Replayed; the same key with a different request is refused; a retry while the first is still
// running gets 409. Server errors are not stored, so the client may retry them.
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly ds: DataSource,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, ctx.getHandler())) return next.handle();
    const req = ctx.switchToHttp().getRequest<Request & { principal?: { organisationId: string } }>();
    const key = req.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    return from(this.run(ctx, req, key, next));
  }

  private async run(ctx: ExecutionContext, req: Request & { principal?: { organisationId: string } }, key: string | string[], next: CallHandler) {
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new BadRequestError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1-100 characters: letters, digits, _ . : -');
    }
    const org = req.principal!.organisationId;
    const route = `${req.method} ${req.path}`.slice(0, 300);
    const requestHash = createHash('sha256').update(`${route}\n${canonicalJson(req.body ?? null)}`).digest('hex');
    const inserted: unknown[] = await this.ds.query(
      `INSERT INTO idempotency_keys (organisation_id, key, route, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING key`,
      [org, key, route, requestHash],
    );
    if (inserted.length === 0) {
      const [prior] = await this.ds.query(`SELECT route, request_hash, status_code, response FROM idempotency_keys WHERE organisation_id = $1 AND key = $2`, [org, key]);
      if (!prior) throw new ConflictError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is being processed; retry shortly');
      if (prior.route !== route || prior.request_hash !== requestHash) {
        throw new RuleViolationError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request');
      }
      if (prior.status_code === null) throw new ConflictError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is being processed; retry shortly');
      ctx.switchToHttp().getResponse().setHeader('Idempotent-Replayed', 'true');
      throw new ReplayedResponse(prior.status_code, prior.response);
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status = this.reflector.get<number>(HTTP_CODE_METADATA, ctx.getHandler()) ?? (req.method === 'POST' ? 201 : 200);
      await this.store(org, key, status, body);
      return body;
    } catch (e) {
      if (e instanceof DomainError && e.status < 500) {
        const { requestId: _r, ...error } = toErrorBody(e);
        await this.store(org, key, e.status, error);
      } else {
        await this.ds.query(`DELETE FROM idempotency_keys WHERE organisation_id = $1 AND key = $2`, [org, key]);
      }
      throw e;
    }
  }

  private store(org: string, key: string, status: number, body: unknown) {
    return this.ds.query(`UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE organisation_id = $1 AND key = $2`, [
      org,
      key,
      status,
      JSON.stringify(body ?? null),
    ]);
  }
}
