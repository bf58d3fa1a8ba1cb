import type { Principal } from './principal.js';

// Who a credential (a bearer token or an API key) belongs to, remembered for a moment so that a client's burst of
// requests does not read its session from the database once per request (one statement of the three a
// pre-loading check costs; about 6 % of its CPU in bench:checks, README "Accounts, roles and scoping").
//
// Never longer than `ttlMs` (PRINCIPAL_CACHE_MS), never past the credential's own expiry, and emptied on every
// revocation this process hears of (Revocations: sign-out, password change, user disabled or re-roled,
// organisation retired, API key revoked): on the process that made the change before its answer is sent, on the
// others a few milliseconds later (WatchGateway relays revocations through the Redis adapter). A change made in the
// database without the API is read when the entry ends, at most `ttlMs` later.
// A lookup that started before a revocation does not store its (possibly older) answer: `generation`.
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  private gen = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled() {
    return this.ttlMs > 0;
  }

  // Read before the database lookup, passed back to set().
  get generation() {
    return this.gen;
  }

  get size() {
    return this.entries.size;
  }

  // A copy: a caller that changes its principal does not change the next request's.
  get(credential: string): Principal | undefined {
    const e = this.entries.get(credential);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(credential);
      return undefined;
    }
    return { ...e.principal, roles: [...e.principal.roles] };
  }

  // `expiresAt`: when the credential itself stops being valid (epoch ms), if it does.
  set(credential: string, principal: Principal, generation: number, expiresAt?: number | null): void {
    if (!this.enabled || generation !== this.gen) return;
    const until = Math.min(this.now() + this.ttlMs, expiresAt ?? Infinity);
    if (until <= this.now()) return;
    this.entries.delete(credential);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(credential, { principal: { ...principal, roles: [...principal.roles] }, until });
  }

  clear(): void {
    this.gen++;
    this.entries.clear();
  }
}
