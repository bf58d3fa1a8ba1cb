import { z } from 'zod';
import { PRE_TRIP_ITEM_KEYS } from './pre-trip-inspection.rules.js';

// Request schema for a pre-trip inspection (Order 29 art. 25). Whether the inspector and the briefed people are
// the carrier's and the waybill's, and whether the times are not in the future, is PreTripInspectionsService's
// business; everything a single request can prove wrong is here.

const dateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-03-01T07:30:00+08:00' }).transform((v) => new Date(v));

const item = z
  .object({
    key: z.enum(PRE_TRIP_ITEM_KEYS),
    ok: z.boolean(),
    note: z.string().trim().min(1).max(500).optional(),
  })
  // A failed item says what was wrong, so that the loading site and the carrier can act on it.
  .refine((i) => i.ok || !!i.note, { message: 'a failed item needs a note saying what is wrong', path: ['note'] });

export const CreatePreTripInspectionSchema = z.object({
  inspectorId: z.uuid(),
  inspectedAt: dateTime,
  // Every item of PRE_TRIP_ITEMS answered exactly once (in any order).
  items: z
    .array(item)
    .max(PRE_TRIP_ITEM_KEYS.length)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((i, n) => {
        if (seen.has(i.key)) ctx.addIssue({ code: 'custom', path: [n, 'key'], message: `${i.key} is answered twice`, params: { problem: 'DUPLICATE' } });
        seen.add(i.key);
      });
      const missing = PRE_TRIP_ITEM_KEYS.filter((k) => !seen.has(k));
      if (missing.length) ctx.addIssue({ code: 'custom', message: `every item must be answered; missing: ${missing.join(', ')}`, params: { problem: 'MISSING_ITEMS', missing } });
    }),
  briefing: z.object({
    personIds: z
      .array(z.uuid().transform((v) => v.toLowerCase()))
      .min(1)
      .max(2)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'a person is listed twice' }),
    briefedAt: dateTime,
    note: z.string().trim().min(1).max(500).optional(),
  }),
});
export type CreatePreTripInspection = z.infer<typeof CreatePreTripInspectionSchema>;
