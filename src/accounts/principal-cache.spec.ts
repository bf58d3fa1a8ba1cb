import type { Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';

const principal = (userId: string): Principal => ({
  kind: 'user',
  userId,
  apiKeyId: null,
  sessionId: `s-${userId}`,
  organisationId: 'o1',
  organisationKind: 'shipper',
  regionCode: '150602',
  roles: ['shipper'],
  mustChangePassword: false,
});

describe('PrincipalCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('should answer a remembered credential until its time is up, then forget it', () => {
    const cache = new PrincipalCache(1000, 10, clock);
    cache.set('t1', principal('u1'), cache.generation);
    now += 999;
    expect(cache.get('t1')?.userId).toBe('u1');
    now += 1;
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('should never keep a principal past the expiry of its credential', () => {
    const cache = new PrincipalCache(1000, 10, clock);
    cache.set('t1', principal('u1'), cache.generation, now + 300);
    now += 299;
    expect(cache.get('t1')).toBeDefined();
    now += 1;
    expect(cache.get('t1')).toBeUndefined();
    cache.set('t2', principal('u2'), cache.generation, now); // already expired: not stored
    expect(cache.get('t2')).toBeUndefined();
  });

  it('should forget everything on clear (a revocation)', () => {
    const cache = new PrincipalCache(1000, 10, clock);
    cache.set('t1', principal('u1'), cache.generation);
    cache.set('t2', principal('u2'), cache.generation);
    cache.clear();
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t2')).toBeUndefined();
  });

  it('should not store the answer of a lookup that started before a revocation', () => {
    const cache = new PrincipalCache(1000, 10, clock);
    const generation = cache.generation; // the lookup starts
    cache.clear(); // the session is revoked meanwhile
    cache.set('t1', principal('u1'), generation); // the lookup read the row before the revocation committed
    expect(cache.get('t1')).toBeUndefined();
    cache.set('t1', principal('u1'), cache.generation);
    expect(cache.get('t1')).toBeDefined();
  });

  it('should store nothing when disabled (PRINCIPAL_CACHE_MS=0)', () => {
    const cache = new PrincipalCache(0, 10, clock);
    expect(cache.enabled).toBe(false);
    cache.set('t1', principal('u1'), cache.generation);
    expect(cache.get('t1')).toBeUndefined();
  });

  it('should hold at most maxEntries, dropping the oldest', () => {
    const cache = new PrincipalCache(1000, 2, clock);
    cache.set('t1', principal('u1'), cache.generation);
    cache.set('t2', principal('u2'), cache.generation);
    cache.set('t3', principal('u3'), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t3')?.userId).toBe('u3');
  });

  it('should hand out copies: a caller changing its principal does not change the next one', () => {
    const cache = new PrincipalCache(1000, 10, clock);
    const p = principal('u1');
    cache.set('t1', p, cache.generation);
    p.roles.push('admin');
    const first = cache.get('t1')!;
    first.roles.push('admin');
    first.organisationId = 'other';
    expect(cache.get('t1')).toEqual(principal('u1'));
  });
});
