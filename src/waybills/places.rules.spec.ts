import type { Principal } from '../accounts/principal.js';
import type { Role } from '../accounts/roles.js';
import type { OrganisationKind } from '../accounts/organisation.entity.js';
import { canReadPlace, canWritePlace, needsGeofence, placeProblems } from './places.rules.js';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

const principal = (organisationKind: OrganisationKind, roles: Role[], over: Partial<Principal> = {}): Principal => ({
  kind: 'user',
  userId: '33333333-3333-4333-8333-333333333333',
  apiKeyId: null,
  sessionId: null,
  organisationId: OTHER,
  organisationKind,
  regionCode: '150102',
  roles,
  mustChangePassword: false,
  ...over,
});

const address = { organisationId: OWNER, kind: 'address' as const, regionCode: '150203' };
const site = { ...address, kind: 'unloading_site' as const };

describe('canReadPlace', () => {
  it('should let the owner read every kind of its places', () => {
    const owner = principal('consignee', ['consignee'], { organisationId: OWNER });
    expect(canReadPlace(owner, address)).toBe(true);
    expect(canReadPlace(owner, site)).toBe(true);
  });

  it("should let anyone signed in read another organisation's sites but not its addresses", () => {
    const shipper = principal('shipper', ['shipper']);
    expect(canReadPlace(shipper, site)).toBe(true);
    expect(canReadPlace(shipper, { ...site, kind: 'loading_site' })).toBe(true);
    expect(canReadPlace(shipper, address)).toBe(false);
  });

  it.each([
    ['province', '150000', true],
    ['city', '150200', true],
    ['district', '150203', true],
    ['another district', '150204', false],
    ['another province', '110000', false],
  ])("should let an authority of the place's %s read an address", (_what, regionCode, ok) => {
    expect(canReadPlace(principal('authority', ['authority'], { regionCode }), address)).toBe(ok);
    expect(canReadPlace(principal('authority', ['org_admin'], { regionCode }), address)).toBe(ok);
  });

  it("should go by the place's region, not the caller's organisation kind alone", () => {
    // An org_admin of a carrier is not an authority, whatever its region.
    expect(canReadPlace(principal('carrier', ['org_admin'], { regionCode: '150000' }), address)).toBe(false);
  });

  it('should let an administrator read everything', () => {
    expect(canReadPlace(principal('platform', ['admin']), address)).toBe(true);
  });
});

describe('canWritePlace', () => {
  it.each([
    ['org_admin', ['org_admin'], true],
    ['its business role', ['consignee'], true],
    ['a monitor', ['monitor'], false],
  ] as const)('should let the owning organisation write with %s', (_what, roles, ok) => {
    expect(canWritePlace(principal('consignee', [...roles], { organisationId: OWNER }), OWNER)).toBe(ok);
  });

  it('should not let another organisation write, even an authority of the region', () => {
    expect(canWritePlace(principal('shipper', ['org_admin']), OWNER)).toBe(false);
    expect(canWritePlace(principal('authority', ['authority'], { regionCode: '150000' }), OWNER)).toBe(false);
  });

  it('should let an administrator write', () => {
    expect(canWritePlace(principal('platform', ['admin']), OWNER)).toBe(true);
  });
});

describe('needsGeofence / placeProblems', () => {
  it('should require a geofence of sites only', () => {
    expect(needsGeofence('loading_site')).toBe(true);
    expect(needsGeofence('unloading_site')).toBe(true);
    expect(needsGeofence('address')).toBe(false);
  });

  it('should accept a site with a polygon or a radius, and an address with neither', () => {
    const polygon = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]] as [number, number][]] };
    expect(placeProblems({ kind: 'loading_site', geofence: polygon, radiusM: null })).toEqual([]);
    expect(placeProblems({ kind: 'loading_site', geofence: null, radiusM: 100 })).toEqual([]);
    expect(placeProblems({ kind: 'address', geofence: null, radiusM: null })).toEqual([]);
  });

  it('should name the geofence field when a site has neither', () => {
    expect(placeProblems({ kind: 'unloading_site', geofence: null, radiusM: null })).toEqual([
      expect.objectContaining({ path: 'geofence', code: 'GEOFENCE_REQUIRED' }),
    ]);
  });
});
