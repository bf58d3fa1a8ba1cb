import { z } from 'zod';
import { ORGANISATION_KINDS } from './organisation.entity.js';
import { checkRegionCode } from './region.rules.js';
import { ROLES } from './roles.js';
import { checkUscc } from './uscc.rules.js';

const regionCode = z
  .string()
  .refine((v) => checkRegionCode(v) === null, { message: 'must be a GB/T 2260 division code such as 150102' });
const uscc = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine((v) => checkUscc(v) === null, { message: 'must be an 18-character unified social credit code (GB 32100) with a valid check character' });
const password = z.string().min(12, 'must be at least 12 characters').max(200);
const username = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9_.-]{3,64}$/, '3-64 characters: letters, digits, _ . -'));

export const LoginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });
export type Login = z.infer<typeof LoginSchema>;

export const ChangePasswordSchema = z.object({ currentPassword: z.string().min(1).max(200), newPassword: password });

export const CreateOrganisationSchema = z.object({
  kind: z.enum(ORGANISATION_KINDS).exclude(['platform']),
  name: z.string().trim().min(2).max(200),
  uscc: uscc.optional(),
  regionCode,
  address: z.string().trim().max(300).optional(),
  contactPhone: z.string().trim().max(32).optional(),
});
export type CreateOrganisation = z.infer<typeof CreateOrganisationSchema>;

export const UpdateOrganisationSchema = CreateOrganisationSchema.omit({ kind: true })
  .partial()
  .extend({ status: z.enum(['active', 'retired']).optional() })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });
export type UpdateOrganisation = z.infer<typeof UpdateOrganisationSchema>;

const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const ListOrganisationsSchema = z.object({
  kind: z.enum(ORGANISATION_KINDS).optional(),
  q: z.string().trim().max(100).optional(),
  regionCode: z.string().regex(/^\d{2,6}$/).optional(),
  ...pagination,
});
export type ListOrganisations = z.infer<typeof ListOrganisationsSchema>;

export const CreateUserSchema = z.object({
  username,
  displayName: z.string().trim().min(1).max(100),
  phone: z.string().trim().max(32).optional(),
  roles: z.array(z.enum(ROLES)).min(1),
  // Omit to have a one-time password generated and returned once.
  password: password.optional(),
});
export type CreateUser = z.infer<typeof CreateUserSchema>;

export const UpdateUserSchema = z
  .object({
    displayName: z.string().trim().min(1).max(100).optional(),
    phone: z.string().trim().max(32).nullable().optional(),
    roles: z.array(z.enum(ROLES)).min(1).optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });
export type UpdateUser = z.infer<typeof UpdateUserSchema>;

export const ListUsersSchema = z.object({ organisationId: z.uuid().optional(), q: z.string().trim().max(100).optional(), ...pagination });
export type ListUsers = z.infer<typeof ListUsersSchema>;

export const CreateApiKeySchema = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z.array(z.enum(ROLES)).min(1),
  expiresAt: z.coerce.date().optional(),
});
export type CreateApiKey = z.infer<typeof CreateApiKeySchema>;
