import { z } from 'zod';
import { isCalendarDate } from './certificate.rules.js';
import { checkIdNumber, normaliseIdNumber } from './id-number.rules.js';
import { checkPlate, plateColours } from './plate.rules.js';
import { ENDORSEMENTS, PERSON_CATEGORIES } from './person.entity.js';
import { TANK_KINDS } from './tank.entity.js';
import { ADR_VEHICLE_TYPES, VEHICLE_KINDS } from './vehicle.entity.js';

// Request schemas for the fleet. Checks that need the database or the catalogue (UN numbers, usual crew of
// the same carrier) are in FleetService; everything that a single request can prove wrong is here.

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine(isCalendarDate, 'must be a real calendar date');

// Classes and divisions as written on Chinese licences and in ADR: 1, 1.1-1.6, 2, 2.1-2.3, 3, 4.1-4.3, 5.1,
// 5.2, 6.1, 6.2, 7, 8, 9.
export const hazardClass = z
  .string()
  .trim()
  .regex(/^(1(\.[1-6])?|2(\.[1-3])?|3|4(\.[1-3])?|5(\.[12])?|6(\.[12])?|7|8|9)$/, 'must be a class or division such as 3, 2.1 or 6.1');

export const plate = z
  .string()
  .transform((v, ctx) => {
    const r = checkPlate(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: `not a valid Chinese plate number (${r.problem})`, params: { problem: r.problem } });
      return z.NEVER;
    }
    return r.normalised;
  });

export const idNumber = z
  .string()
  .transform(normaliseIdNumber)
  .superRefine((v, ctx) => {
    const problem = checkIdNumber(v, new Date());
    if (problem) ctx.addIssue({ code: 'custom', message: `not a valid 18-digit resident ID number (GB 11643: ${problem})`, params: { problem } });
  });

export const unNumber = z
  .string()
  .trim()
  .regex(/^(UN\s*)?\d{4}$/i, 'must be a UN number such as UN1203')
  .transform((v) => v.replace(/\D/g, ''));

const ordered = <T extends Record<string, unknown>>(pairs: [keyof T & string, keyof T & string][]) =>
  (v: T, ctx: z.RefinementCtx) => {
    for (const [from, to] of pairs) {
      const a = v[from] as string | null | undefined;
      const b = v[to] as string | null | undefined;
      if (a && b && a > b) ctx.addIssue({ code: 'custom', path: [to], message: `${to} must not be before ${from}`, params: { problem: 'DATES_OUT_OF_ORDER' } });
    }
  };

const optionalDate = isoDate.nullable().optional();
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const vehicleFields = {
  plateNumber: plate,
  plateColour: z.enum(plateColours),
  kind: z.enum(VEHICLE_KINDS),
  model: optionalText(50),
  drivingLicenceValidUntil: optionalDate,
  nextSafetyInspection: optionalDate,
  transportCertNumber: optionalText(32),
  transportCertValidUntil: optionalDate,
  transportScope: z.array(hazardClass).max(30).optional(),
  ratedLoadKg: z.number().int().positive().max(100_000).nullable().optional(),
  totalMassKg: z.number().int().positive().max(100_000).nullable().optional(),
  insurancePolicy: optionalText(64),
  insuranceValidUntil: optionalDate,
  adrType: z.enum(ADR_VEHICLE_TYPES).nullable().optional(),
  usualTrailerId: z.uuid().nullable().optional(),
  usualTankId: z.uuid().nullable().optional(),
  usualDriverId: z.uuid().nullable().optional(),
  usualEscortId: z.uuid().nullable().optional(),
};
const massInOrder = (v: { ratedLoadKg?: number | null; totalMassKg?: number | null }, ctx: z.RefinementCtx) => {
  if (v.ratedLoadKg && v.totalMassKg && v.ratedLoadKg > v.totalMassKg) {
    ctx.addIssue({ code: 'custom', path: ['ratedLoadKg'], message: 'ratedLoadKg cannot exceed totalMassKg', params: { problem: 'MASS_OUT_OF_ORDER' } });
  }
};
export const CreateVehicleSchema = z.object(vehicleFields).superRefine(massInOrder);
export const UpdateVehicleSchema = z.object(vehicleFields).partial().superRefine(massInOrder);
export type CreateVehicle = z.infer<typeof CreateVehicleSchema>;

const medium = z.object({ unNumber, concentration: z.string().trim().max(40).optional() });
const tankFields = {
  number: z.string().trim().min(1).max(32),
  kind: z.enum(TANK_KINDS),
  volumeL: z.number().int().positive().max(200_000).nullable().optional(),
  compartments: z.number().int().min(1).max(12).optional(),
  tankCode: z.string().trim().regex(/^[LSCP][0-9.GA-Z()]+$/, 'must be an ADR tank code such as LGBF or P22DH(M)').nullable().optional(),
  media: z.array(medium).max(200).optional(),
  inspectionReportNo: optionalText(64),
  nextInspectionDate: optionalDate,
  pressureRegistrationNo: optionalText(64),
  lastCargoUn: unNumber.nullable().optional(),
  cleaned: z.boolean().optional(),
  vehicleId: z.uuid().nullable().optional(),
};
export const CreateTankSchema = z.object(tankFields);
export const UpdateTankSchema = z.object(tankFields).partial();
export type CreateTank = z.infer<typeof CreateTankSchema>;

const personFields = {
  name: z.string().trim().min(1).max(50),
  idNumber,
  phone: optionalText(32),
  categories: z.array(z.enum(PERSON_CATEGORIES)).min(1),
  drivingLicenceClass: z.string().trim().regex(/^(A[123]|B[12]|C[1-6]|D|E|F|M|N|P)$/, 'must be a driving licence class such as A2 or B2').nullable().optional(),
  drivingLicenceValidUntil: optionalDate,
  qualificationCertNumber: optionalText(32),
  qualificationValidUntil: optionalDate,
  endorsements: z.array(z.enum(ENDORSEMENTS)).optional(),
};
export const CreatePersonSchema = z.object(personFields);
export const UpdatePersonSchema = z.object(personFields).partial();
export type CreatePerson = z.infer<typeof CreatePersonSchema>;

const terminalFields = {
  protocol: z.enum(['jt808', 'app']).default('jt808'),
  // JT/T 808 terminal phone number (BCD in the header): 11-12 digits (2011/2013), up to 20 (2019).
  phone: z.string().trim().regex(/^\d{11,20}$/, 'must be the terminal phone number: 11 to 20 digits'),
  deviceId: z.string().trim().regex(/^[A-Za-z0-9-]{1,30}$/, 'letters, digits and - (up to 30)').nullable().optional(),
  protocolVersion: z.enum(['2011', '2013', '2019']).nullable().optional(),
  vehicleId: z.uuid().nullable().optional(),
};
export const CreateTerminalSchema = z.object(terminalFields);
export const UpdateTerminalSchema = z.object(terminalFields).partial();
export type CreateTerminal = z.infer<typeof CreateTerminalSchema>;

export const CarrierLicenceSchema = z
  .object({
    number: z.string().trim().min(1).max(32),
    validFrom: isoDate.nullable().optional(),
    validUntil: isoDate,
    scope: z.array(hazardClass).min(1).max(30),
    highlyToxic: z.boolean().default(false),
  })
  .superRefine(ordered([['validFrom', 'validUntil']]));
export type CarrierLicenceInput = z.infer<typeof CarrierLicenceSchema>;

export const ListFleetSchema = z.object({
  q: z.string().trim().max(50).optional(),
  status: z.enum(['active', 'retired', 'all']).default('active'),
  organisationId: z.uuid().optional(),
  // Certificates expiring within this many days (or expired): the fleet page's "needs attention" filter.
  expiringWithinDays: z.coerce.number().int().min(0).max(3650).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListFleet = z.infer<typeof ListFleetSchema>;

export const QualificationQuerySchema = z.object({
  asOf: isoDate.optional(),
  withinDays: z.coerce.number().int().min(0).max(3650).default(30),
});
export type QualificationQuery = z.infer<typeof QualificationQuerySchema>;
