import { z } from 'zod';
import { checkRegionCode } from '../accounts/region.rules.js';

// Payloads of the socket.io namespaces (/terminals, /watch) and the query strings of the tracking REST API.

const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, such as 2026-03-01T08:00:00+08:00' });
// A 32-bit word as JT/T 808 tables 24/25 define the alarm and status bits.
const word = z.number().int().min(0).max(0xffff_ffff);

// ---------------------------------------------------------------------------------------------- app terminals

export const MAX_APP_BATCH = 500;

// One fix from an app terminal. Ranges are what the columns and a JSON client can get right; whether a fix is
// plausible (a jump, a fix in the future, (0, 0)) is for the plausibility rules, which store it with flags.
export const AppPositionSchema = z.object({
  fixTime: isoDateTime,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  speedKmh: z.number().min(0).max(1000),
  course: z.number().min(0).max(360),
  altitudeM: z.number().min(-1000).max(20_000).optional(),
  alarmBits: word.optional(),
  // Absent: positioned (bit 1 set), since an app sends a fix only when it has one.
  statusBits: word.optional(),
  mileageKm: z.number().min(0).max(100_000_000).nullable().optional(),
  // A fix recorded while offline and uploaded late: stored for replay, never a live event.
  backfill: z.boolean().optional(),
});
export type AppPosition = z.infer<typeof AppPositionSchema>;

export const AppPositionBatchSchema = z.array(AppPositionSchema).min(1).max(MAX_APP_BATCH);

// ---------------------------------------------------------------------------------------------- /watch

const regionCode = z
  .string()
  .regex(/^\d{6}$/, 'must be a 6-digit GB/T 2260 code such as 150102')
  .refine((c) => checkRegionCode(c) === null, 'is not a GB/T 2260 division code');

// What a watcher follows: one vehicle, one waybill's trip, or (authorities) every vehicle of carriers registered
// in a region.
export const SubscribeSchema = z.union([
  z.strictObject({ vehicleId: z.uuid() }),
  z.strictObject({ waybillId: z.uuid() }),
  z.strictObject({ region: regionCode }),
]);
export type Subscription = z.infer<typeof SubscribeSchema>;

// ---------------------------------------------------------------------------------------------- REST

export const MAX_LATEST_VEHICLES = 500;

export const LatestQuerySchema = z.object({
  // Comma-separated, or the parameter repeated.
  vehicleIds: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.uuid()).min(1).max(MAX_LATEST_VEHICLES)),
});
export type LatestQuery = z.infer<typeof LatestQuerySchema>;

export const MAX_TRACK_DAYS = 31;
export const TRACK_FORMATS = ['polyline', 'geojson', 'csv'] as const;
export type TrackFormat = (typeof TRACK_FORMATS)[number];

export const TrackQuerySchema = z
  .object({
    vehicleId: z.uuid().optional(),
    waybillId: z.uuid().optional(),
    from: isoDateTime.transform((v) => new Date(v)),
    // Default: now.
    to: isoDateTime.transform((v) => new Date(v)).optional(),
    // Douglas-Peucker tolerance in metres; absent or 0: every stored point.
    simplify: z.coerce.number().min(0).max(10_000).optional(),
    format: z.enum(TRACK_FORMATS).default('polyline'),
    // Points that failed a plausibility check are left out unless asked for (investigations).
    includeFlagged: z.stringbool().optional(),
  })
  .superRefine((q, ctx) => {
    if ((q.vehicleId === undefined) === (q.waybillId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['vehicleId'], message: 'name exactly one of vehicleId and waybillId' });
    }
    // Also runs when a field failed: `from` or `to` may then still be the string that did not parse.
    const to = q.to ?? new Date();
    if (!(q.from instanceof Date) || !(to instanceof Date)) return;
    if (to.getTime() <= q.from.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (to.getTime() - q.from.getTime() > MAX_TRACK_DAYS * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_TRACK_DAYS} days after from` });
    }
  });
export type TrackQuery = z.infer<typeof TrackQuerySchema>;
