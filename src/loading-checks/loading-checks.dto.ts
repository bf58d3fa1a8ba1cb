import { z } from 'zod';
import { GATE_CHECKLIST_KEYS } from './check-rules.catalogue.js';

const checklistItem = z.object({
  key: z.enum(GATE_CHECKLIST_KEYS),
  ok: z.boolean(),
  note: z.string().trim().max(500).optional(),
  photoIds: z.array(z.uuid()).max(10).optional(),
});

// Start a check from the scanned QR (signature verified) or the waybill number, at a named gate, by a loading
// manager (PL-31), with the gate checklist answered.
export const StartCheckSchema = z
  .object({
    qr: z.string().trim().min(10).max(4000).optional(),
    waybillNumber: z.string().trim().regex(/^YD\d{14}$/, 'must be a waybill number such as YD20261129000123').optional(),
    placeId: z.uuid().optional(),
    operatorId: z.uuid(),
    scannedPlates: z.array(z.string().trim().min(2).max(16)).max(3).optional(),
    checklist: z.array(checklistItem).max(30).default([]),
  })
  .refine((v) => !!v.qr !== !!v.waybillNumber, { message: 'give exactly one of qr or waybillNumber', path: ['qr'] });
export type StartCheck = z.infer<typeof StartCheckSchema>;

export const StartLoadingSchema = z.object({ operatorId: z.uuid().optional() });
export type StartLoading = z.infer<typeof StartLoadingSchema>;

export const FinishLoadingSchema = z.object({
  lines: z.array(z.object({ lineNo: z.number().int().min(1), loadedQuantity: z.number().min(0), loadedPackages: z.number().int().min(0).optional() })).min(1),
  seals: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
  // Filled volume ÷ tank capacity, in percent, where the gauge gives it (PL-22).
  fillingRatioPct: z.number().min(0).max(100).optional(),
  // PL-32: closures closed, no leaks, no residue on the outside.
  closures: checklistItem.omit({ key: true }),
});
export type FinishLoading = z.infer<typeof FinishLoadingSchema>;

export const RuleSeveritySchema = z.object({ severity: z.enum(['block', 'warn']) });

export const ListChecksSchema = z.object({
  waybillId: z.uuid().optional(),
  outcome: z.enum(['pass', 'fail']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListChecks = z.infer<typeof ListChecksSchema>;

export const ReportSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type Report = z.infer<typeof ReportSchema>;
