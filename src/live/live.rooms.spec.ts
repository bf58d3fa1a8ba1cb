import { ADMIN_ROOM, regionRoomsFor, roomsFor } from './live.rooms.js';

describe('roomsFor', () => {
  const base = {
    organisationId: 'o1',
    userId: 'u1',
    organisationKind: 'carrier' as const,
    regionCode: '150102',
    roles: ['carrier' as const],
  };

  it('should put a user in its organisation and user rooms', () => {
    expect(roomsFor(base)).toEqual(['org:o1', 'user:u1']);
  });

  it('should leave out the user room for an API key', () => {
    expect(roomsFor({ ...base, userId: null })).toEqual(['org:o1']);
  });

  it.each([
    ['150000', 'region:15'],
    ['150100', 'region:1501'],
    ['150102', 'region:150102'],
  ])('should put an authority of %s in %s', (regionCode, room) => {
    expect(roomsFor({ ...base, organisationKind: 'authority', roles: ['authority'], regionCode })).toEqual(['org:o1', 'user:u1', room]);
  });

  it('should not put a non-authority in a region room', () => {
    expect(roomsFor(base).some((r) => r.startsWith('region:'))).toBe(false);
  });

  it('should put an administrator in the admin room', () => {
    expect(roomsFor({ ...base, organisationKind: 'platform', roles: ['admin'] })).toContain(ADMIN_ROOM);
  });
});

describe('regionRoomsFor', () => {
  it('should name the province, city and county rooms of a county', () => {
    expect(regionRoomsFor('150102')).toEqual(['region:15', 'region:1501', 'region:150102']);
  });

  it('should not invent rooms for zero-padded levels', () => {
    expect(regionRoomsFor('150100')).toEqual(['region:15', 'region:1501']);
    expect(regionRoomsFor('150000')).toEqual(['region:15']);
  });

  it('should reach every authority whose jurisdiction contains the code', () => {
    const authorities = ['150000', '150100', '150102'].map((regionCode) =>
      roomsFor({ organisationId: 'a', userId: null, organisationKind: 'authority', regionCode, roles: ['authority'] }).at(-1),
    );
    expect(regionRoomsFor('150102')).toEqual(authorities);
  });
});
