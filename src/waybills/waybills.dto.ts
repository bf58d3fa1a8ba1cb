import polyline from '@googlemaps/polyline-codec';
import { z } from 'zod';
import { QUANTITY_UNITS } from './waybill-line.entity.js';
import { WAYBILL_STATUSES } from './waybill-status.rules.js';

const unNumber = z
  .string()
  .trim()
  .regex(/^(UN\s*)?\d{4}$/i, 'must be a UN number such as UN1203')
  .transform((v) => v.replace(/\D/g, ''));

const hazardClass = z
  .string()
  .trim()
  .regex(/^(1(\.[1-6][A-S]?)?|2(\.[1-3])?|3|4(\.[1-3])?|5(\.[12])?|6(\.[12])?|7|8|9)$/, 'must be a class or division such as 3, 2.1 or 6.1');

// Encoded polyline (precision 5) whose points are real coordinates, at least two of them.
export const encodedRoute = z
  .string()
  .min(2)
  .max(200_000)
  .refine((v) => {
    try {
      const pts = polyline.decode(v, 5);
      return pts.length >= 2 && pts.every(([lat, lon]) => Math.abs(lat) <= 90 && Math.abs(lon) <= 180);
    } catch {
      return false;
    }
  }, 'must be an encoded polyline (precision 5) of at least two valid points');

export const WaybillLineSchema = z.object({
  unNumber,
  // Optional: the catalogue fills them; when given they must agree with it.
  name: z.string().trim().min(1).max(300).optional(),
  hazardClass: hazardClass.optional(),
  packingGroup: z.enum(['I', 'II', 'III']).optional(),
  packagingType: z.string().trim().max(100).optional(),
  packageCount: z.number().int().min(1).max(1_000_000).optional(),
  declaredQuantity: z.number().positive().max(1_000_000_000),
  unit: z.enum(QUANTITY_UNITS),
  limitedQuantity: z.boolean().optional(),
  hazardousWaste: z.boolean().optional(),
  // 一书一签: references to the safety data sheet and label documents.
  sdsRef: z.string().trim().max(300).optional(),
  labelRef: z.string().trim().max(300).optional(),
});
export type WaybillLineInput = z.infer<typeof WaybillLineSchema>;

const draftFields = {
  consigneeId: z.uuid(),
  carrierId: z.uuid(),
  loadingSiteId: z.uuid().optional(),
  originPlaceId: z.uuid(),
  destinationPlaceId: z.uuid(),
  plannedDepartureAt: z.coerce.date(),
  plannedArrivalAt: z.coerce.date(),
  plannedRoute: encodedRoute.optional(),
  emergencyContactName: z.string().trim().min(1).max(50),
  emergencyContactPhone: z.string().trim().regex(/^[0-9+\-() ]{5,32}$/, 'must be a phone number'),
  emergencyMeasures: z.string().trim().max(4000).optional(),
  permitIds: z.array(z.uuid()).max(10).optional(),
  lines: z.array(WaybillLineSchema).min(1).max(50),
};

const arrivalAfterDeparture = (v: { plannedDepartureAt?: Date; plannedArrivalAt?: Date }, ctx: z.RefinementCtx) => {
  if (v.plannedDepartureAt && v.plannedArrivalAt && v.plannedArrivalAt <= v.plannedDepartureAt) {
    ctx.addIssue({ code: 'custom', path: ['plannedArrivalAt'], message: 'plannedArrivalAt must be after plannedDepartureAt' });
  }
};

export const CreateWaybillSchema = z.object(draftFields).superRefine(arrivalAfterDeparture);
export type CreateWaybill = z.infer<typeof CreateWaybillSchema>;
export const UpdateWaybillSchema = z.object(draftFields).partial().superRefine(arrivalAfterDeparture);
export type UpdateWaybill = z.infer<typeof UpdateWaybillSchema>;

export const DispatchSchema = z.object({
  vehicleId: z.uuid(),
  trailerId: z.uuid().nullable().optional(),
  tankId: z.uuid().nullable().optional(),
  driverId: z.uuid(),
  escortId: z.uuid().nullable().optional(),
});
export type Dispatch = z.infer<typeof DispatchSchema>;

// An amendment of an issued waybill: new times, route, quantities, or (carrier) a substituted vehicle / crew.
export const AmendSchema = z
  .object({
    reason: z.string().trim().min(2).max(500),
    changes: UpdateWaybillSchema.optional(),
    dispatch: DispatchSchema.partial().optional(),
  })
  .refine((v) => v.changes || v.dispatch, { message: 'an amendment changes something: give changes or dispatch' });
export type Amend = z.infer<typeof AmendSchema>;

export const TransitionSchema = z.object({
  // Loading is recorded through /loading (after a passing check); the check outcome only by /loading-checks.
  action: z.enum(['cancel', 'abort', 'depart', 'arrive', 'report-incident', 'close']),
  note: z.string().trim().max(1000).optional(),
  // finish-loading: what was loaded per line, and the seals.
  lines: z
    .array(z.object({ lineNo: z.number().int().min(1), loadedQuantity: z.number().min(0), loadedPackages: z.number().int().min(0).optional() }))
    .optional(),
  seals: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  position: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  // Optimistic concurrency: refuse if the waybill changed since this rowVersion was read.
  expectedRowVersion: z.number().int().min(1).optional(),
});
export type Transition = z.infer<typeof TransitionSchema>;

export const DeliverySchema = z.object({
  lines: z.array(z.object({ lineNo: z.number().int().min(1), receivedQuantity: z.number().min(0), receivedPackages: z.number().int().min(0).optional() })).min(1),
  sealsIntact: z.boolean(),
  note: z.string().trim().max(1000).optional(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const ResolveSchema = z.object({ resolution: z.string().trim().min(2).max(2000) });
export type Resolve = z.infer<typeof ResolveSchema>;

export const ListWaybillsSchema = z.object({
  status: z.enum(WAYBILL_STATUSES).optional(),
  q: z.string().trim().max(40).optional(), // waybill number (prefix)
  plate: z.string().trim().max(16).optional(),
  unNumber: unNumber.optional(),
  from: z.coerce.date().optional(), // planned departure from
  to: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListWaybills = z.infer<typeof ListWaybillsSchema>;

// Goods being typed into a draft, checked against the catalogue and each other (ADR 7.5.2 mixed loading) as
// issue would, before anything is saved: the web console shows conflicts as the shipper types.
export const GoodsCheckSchema = z.object({
  lines: z
    .array(WaybillLineSchema.pick({ unNumber: true, hazardClass: true, packingGroup: true, limitedQuantity: true }))
    .min(1)
    .max(50),
});
export type GoodsCheck = z.infer<typeof GoodsCheckSchema>;

export const VerifySchema = z.object({ qr: z.string().trim().min(10).max(4000) });
