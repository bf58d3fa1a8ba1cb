import { z } from 'zod';
import { normaliseUnNumber } from '../dangerous-goods/catalogue.js';
import { checkPlate } from '../vehicles/plate.rules.js';
import { PERMIT_STATUSES, PERMIT_TYPES } from './permit.entity.js';
import { routeProblem } from './permits.rules.js';

// Request schemas for permits. The catalogue check of UN numbers and the holder's organisation are in
// PermitsService; everything a single request can prove wrong is here.

const ROUTE_MESSAGES: Record<string, string> = {
  EMPTY: 'must not be empty',
  CHARACTERS: 'has characters an encoded polyline never contains',
  TRUNCATED: 'ends in the middle of a coordinate',
  TOO_FEW_POINTS: 'needs at least 2 points',
  OUT_OF_RANGE: 'decodes to a latitude beyond ±90 or a longitude beyond ±180',
};

// Encoded polyline, precision 5 (@googlemaps/polyline-codec).
const route = z
  .string()
  .trim()
  .max(100_000)
  .superRefine((v, ctx) => {
    const check = routeProblem(v);
    if (check) ctx.addIssue({ code: 'custom', message: `not an encoded polyline of the route: ${ROUTE_MESSAGES[check.problem]}`, params: { problem: check.problem } });
  });

const plate = z.string().transform((v, ctx) => {
  const r = checkPlate(v);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: `not a valid Chinese plate number (${r.problem})`, params: { problem: r.problem } });
    return z.NEVER;
  }
  return r.normalised;
});

const unNumber = z
  .string()
  .trim()
  .regex(/^(UN\s*)?\d{4}$/i, 'must be a UN number such as UN1689')
  .transform((v) => normaliseUnNumber(v)!);

const dateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-03-01T08:00:00+08:00' }).transform((v) => new Date(v));

const unique = <T>(what: string, key: (v: T) => string = String) =>
  (list: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      const k = key(v);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} is listed twice`, params: { problem: 'DUPLICATE' } });
      seen.add(k);
    });
  };

const goods = z.object({
  unNumber,
  maxQuantity: z.number().positive().max(1_000_000),
  unit: z.enum(['kg', 't', 'L', 'm3']),
});

export const CreatePermitSchema = z
  .object({
    type: z.enum(PERMIT_TYPES),
    number: z.string().trim().min(1).max(64),
    issuer: z.string().trim().min(1).max(100),
    validFrom: dateTime,
    validUntil: dateTime,
    singleUse: z.boolean().default(true),
    route: route.nullable().optional(),
    origin: z.string().trim().max(200).nullable().optional(),
    destination: z.string().trim().max(200).nullable().optional(),
    // Every permit type names the vehicle (plate); people are named on most.
    vehiclePlates: z.array(plate).min(1).max(20).superRefine(unique('plate')),
    personIds: z.array(z.uuid()).max(20).default([]).superRefine(unique('person', (v) => v.toLowerCase())),
    goods: z.array(goods).min(1).max(50).superRefine(unique<z.infer<typeof goods>>('UN number', (g) => g.unNumber)),
    // An administrator names the holder; everyone else holds permits for their own organisation.
    organisationId: z.uuid().optional(),
  })
  .superRefine((v, ctx) => {
    // Also runs when another field failed: the dates may still be the strings that did not parse.
    if (v.validFrom instanceof Date && v.validUntil instanceof Date && v.validUntil.getTime() <= v.validFrom.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'validUntil must be after validFrom', params: { problem: 'DATES_OUT_OF_ORDER' } });
    }
  });
export type CreatePermit = z.infer<typeof CreatePermitSchema>;

export const ListPermitsSchema = z.object({
  type: z.enum(PERMIT_TYPES).optional(),
  status: z.enum(PERMIT_STATUSES).optional(),
  organisationId: z.uuid().optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListPermits = z.infer<typeof ListPermitsSchema>;

export const RevokePermitSchema = z.object({ reason: z.string().trim().min(1).max(500) });
export type RevokePermit = z.infer<typeof RevokePermitSchema>;
