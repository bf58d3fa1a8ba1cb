import { z } from 'zod';
import { checkRegionCode } from '../accounts/region.rules.js';
import { polygonProblem } from './geo.rules.js';
import { PLACE_KINDS, type GeoPolygon } from './place.entity.js';
import { needsGeofence } from './places.rules.js';

// Request schemas for places. Whether the caller may write for the organisation is PlacesService's business.

const POLYGON_MESSAGES: Record<string, string> = {
  NOT_A_POLYGON: 'must be a GeoJSON Polygon { type: "Polygon", coordinates: [[[lon, lat], ...]] }',
  NO_RINGS: 'needs at least one ring',
  TOO_FEW_POSITIONS: 'each ring needs at least 4 positions',
  BAD_POSITION: 'each position must be [longitude, latitude] of finite numbers',
  OUT_OF_RANGE: 'longitude must be within -180..180 and latitude within -90..90',
  NOT_CLOSED: 'each ring must end where it starts',
  DEGENERATE: 'a ring must enclose some area',
};

// A GeoJSON Polygon in WGS-84 [lon, lat]; an altitude, if sent, is dropped. Bounded so that a geofence test
// per position report stays cheap.
export const geoPolygon = z
  .object({
    type: z.literal('Polygon'),
    coordinates: z.array(z.array(z.array(z.number()).max(3)).max(5_000)).max(50),
  })
  .superRefine((v, ctx) => {
    const check = polygonProblem(v);
    if (!check) return;
    const path = ['coordinates', ...(check.ring === undefined ? [] : [check.ring]), ...(check.position === undefined ? [] : [check.position])];
    const where = check.ring === undefined ? '' : ` (ring ${check.ring}${check.position === undefined ? '' : `, position ${check.position}`})`;
    ctx.addIssue({ code: 'custom', path, message: `${POLYGON_MESSAGES[check.problem]}${where}`, params: { problem: check.problem } });
  })
  .transform((v): GeoPolygon => ({ type: 'Polygon', coordinates: v.coordinates.map((ring) => ring.map(([lon, lat]) => [lon!, lat!])) }));

const regionCode = z
  .string()
  .trim()
  .refine((v) => checkRegionCode(v) === null, { message: 'must be a GB/T 2260 division code such as 150102' });

const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const placeFields = {
  kind: z.enum(PLACE_KINDS),
  name: z.string().trim().min(1).max(200),
  address: z.string().trim().min(1).max(300),
  regionCode,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  geofence: geoPolygon.nullable().optional(),
  radiusM: z.number().int().min(10).max(20_000).nullable().optional(),
  contactName: optionalText(50),
  contactPhone: z.string().trim().regex(/^\+?[0-9][0-9 -]{4,30}$/, 'must be a phone number').nullable().optional(),
};

const siteHasGeofence = (v: { kind?: (typeof PLACE_KINDS)[number]; geofence?: unknown; radiusM?: number | null }, ctx: z.RefinementCtx) => {
  if (v.kind && needsGeofence(v.kind) && !v.geofence && !v.radiusM) {
    ctx.addIssue({ code: 'custom', path: ['geofence'], message: `a ${v.kind} needs a geofence polygon or a radiusM`, params: { problem: 'GEOFENCE_REQUIRED' } });
  }
};

export const CreatePlaceSchema = z
  .object({
    ...placeFields,
    // An administrator names the owner; everyone else creates for their own organisation.
    organisationId: z.uuid().optional(),
  })
  .superRefine(siteHasGeofence);
export type CreatePlace = z.infer<typeof CreatePlaceSchema>;

// Fields left out stay as they are; PlacesService checks the merged result (a site keeps a geofence).
export const UpdatePlaceSchema = z.object(placeFields).partial();
export type UpdatePlace = z.infer<typeof UpdatePlaceSchema>;

export const ListPlacesSchema = z.object({
  kind: z.enum(PLACE_KINDS).optional(),
  organisationId: z.uuid().optional(),
  q: z.string().trim().max(100).optional(),
  regionCode: z.string().regex(/^\d{2,6}$/, 'must be a GB/T 2260 code or its prefix').optional(),
  status: z.enum(['active', 'retired', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListPlaces = z.infer<typeof ListPlacesSchema>;
