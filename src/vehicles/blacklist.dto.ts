import { z } from 'zod';
import { isoDate } from './fleet.dto.js';

export const BLACKLIST_SUBJECT_TYPES = ['organisation', 'vehicle', 'person'] as const;
export type BlacklistSubjectType = (typeof BLACKLIST_SUBJECT_TYPES)[number];

const reason = z.string().trim().min(2).max(500);

// validFrom defaults to today (Asia/Shanghai); validUntil null or absent: until lifted. The order of the two
// is checked in BlacklistService once validFrom is known, so that it has one error code.
export const CreateBlacklistEntrySchema = z.object({
  subjectType: z.enum(BLACKLIST_SUBJECT_TYPES),
  subjectId: z.uuid(),
  reason,
  validFrom: isoDate.optional(),
  validUntil: isoDate.nullable().optional(),
});
export type CreateBlacklistEntry = z.infer<typeof CreateBlacklistEntrySchema>;

export const LiftBlacklistEntrySchema = z.object({ reason });
export type LiftBlacklistEntry = z.infer<typeof LiftBlacklistEntrySchema>;

const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListBlacklistSchema = z.object({
  subjectType: z.enum(BLACKLIST_SUBJECT_TYPES).optional(),
  // true: in force today; false: lifted, expired or not yet started.
  active: queryBoolean.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListBlacklist = z.infer<typeof ListBlacklistSchema>;

export const BlacklistStatusQuerySchema = z
  .object({
    organisationId: z.uuid().optional(),
    vehicleId: z.uuid().optional(),
    personId: z.uuid().optional(),
  })
  .refine((q) => [q.organisationId, q.vehicleId, q.personId].filter(Boolean).length === 1, {
    message: 'name exactly one of organisationId, vehicleId, personId',
  });
export type BlacklistStatusQuery = z.infer<typeof BlacklistStatusQuerySchema>;
