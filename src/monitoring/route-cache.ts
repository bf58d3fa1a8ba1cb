// Decoded planned routes by their encoded text, so that a polyline of a few thousand points is decoded once and not
// at every trip-context reload (each vehicle's context is reloaded every TRIP_TTL_MS while it reports). The same
// array is returned for the same text, which also keeps the geometry index of the route (rules/monitor-geometry.ts,
// a WeakMap keyed by the array) from being rebuilt, and waybills on the same planned route (recurring shipments
// between the same sites) share one array and one index instead of one each.
//
// Bounded by design: a decoded point costs about 120 bytes of heap (the [lat, lon] pair, about 80, and its
// share of the geometry index, 40), so a 1,300-point route about 160 KB. Entries are kept in least-recently-used
// order and dropped when not used for `idleMs` (a trip that ended, or whose vehicle stopped reporting: an active
// trip is looked up at every reload, well within it) or when the points held exceed `maxPoints` (the least
// recently used first). The former cap, 50,000 entries cleared all at once, let finished trips pile up to
// gigabytes over days of waybills.
export type RouteCacheOptions = { maxPoints: number; idleMs: number };

export const DEFAULT_ROUTE_CACHE: RouteCacheOptions = { maxPoints: 1_000_000, idleMs: 10 * 60_000 };

type Entry = { route: [number, number][]; usedAt: number };

export class RouteCache {
  private readonly entries = new Map<string, Entry>(); // insertion order = least recently used first
  private held = 0;

  constructor(
    private readonly decode: (encoded: string) => [number, number][],
    private readonly options: RouteCacheOptions = DEFAULT_ROUTE_CACHE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get points(): number {
    return this.held;
  }

  // The decoded planned route; null for none or for text that does not decode.
  route(encoded: string | null, now: number): [number, number][] | null {
    if (!encoded) return null;
    const hit = this.entries.get(encoded);
    if (hit) {
      this.entries.delete(encoded);
      hit.usedAt = now;
      this.entries.set(encoded, hit);
      return hit.route;
    }
    let route: [number, number][];
    try {
      route = this.decode(encoded);
    } catch {
      return null;
    }
    this.entries.set(encoded, { route, usedAt: now });
    this.held += route.length;
    this.evict(now, encoded);
    return route;
  }

  // Drops the idle entries and, beyond maxPoints, the least recently used ones (never `keep`, just added: a
  // route longer than maxPoints on its own is still returned, then dropped at the next eviction).
  private evict(now: number, keep: string) {
    for (const [id, e] of this.entries) {
      if (id === keep) break;
      if (this.held <= this.options.maxPoints && now - e.usedAt <= this.options.idleMs) break;
      this.remove(id, e);
    }
  }

  private remove(id: string, e: Entry) {
    this.entries.delete(id);
    this.held -= e.route.length;
  }
}
