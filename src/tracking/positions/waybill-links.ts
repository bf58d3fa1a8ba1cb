import { Logger } from '@nestjs/common';

// Positions taken while a waybill's goods are on its vehicle carry that waybill's id, so that a trip's track is
// one index range (positions_waybill_time_idx) and the live map can follow a waybill.
//
// Goods are on board from the end of loading until delivery: statuses loaded, in_transit, arrived, and incident
// (after an accident the goods are still there, and the authority wants that track most of all). A trip's window
// starts at its finish-loading event (waybill_events.to_status = 'loaded') and ends at the first event that left
// those statuses (delivered, closed). Waybills that ended within `lookbackMs` stay known, so that a blind-area
// upload arriving after delivery is still linked to the trip it belongs to.
export const GOODS_ON_BOARD = ['loaded', 'in_transit', 'arrived', 'incident'] as const;

export type WaybillWindow = { waybillId: string; from: number; to: number | null }; // epoch ms; to null = ongoing

// The waybill whose window holds `fixTime`; the most recently loaded one if windows overlap (they should not: one
// vehicle carries one waybill's load at a time, but a stale status must not make linking fail).
export function waybillAt(windows: readonly WaybillWindow[] | undefined, fixTime: Date): string | null {
  if (!windows) return null;
  const t = fixTime.getTime();
  let best: WaybillWindow | undefined;
  for (const w of windows) {
    if (t >= w.from && (w.to === null || t < w.to) && (!best || w.from > best.from)) best = w;
  }
  return best?.waybillId ?? null;
}

type Row = { id: string; vehicle_id: string; loaded_at: Date | null; ended_at: Date | null };

export const ACTIVE_WAYBILLS_SQL = `
SELECT w.id, w.vehicle_id,
  coalesce(min(e.at) FILTER (WHERE e.to_status = 'loaded'), w.dispatched_at) AS loaded_at,
  min(e.at) FILTER (WHERE e.from_status = ANY($1::text[]) AND e.to_status <> ALL($1::text[])) AS ended_at
FROM waybills w
LEFT JOIN waybill_events e ON e.waybill_id = w.id
WHERE w.vehicle_id IS NOT NULL
  AND (w.status = ANY($1::text[]) OR (w.status IN ('delivered', 'discrepancy', 'closed') AND w.updated_at > now() - make_interval(secs => $2)))
GROUP BY w.id`;

// An in-memory map vehicleId -> trip windows, reloaded every `refreshMs` (one query for all trips in progress).
// Why a cache and not a join in the write statement: the write stays one simple statement at the same rate
// whatever the waybill tables hold, and this works the same for every process. Why a timer and not only
// invalidation: waybills must not depend on tracking (STYLE.md dependency direction), and a status change made by
// another process is seen here within refreshMs anyway. The cost of that delay is small by construction: linking
// starts at the end of loading (the vehicle is standing at the loading site) and ends at delivery (standing at the
// destination), so a few seconds of staleness at either end link or miss only fixes of a parked vehicle.
// invalidate() reloads at once, for callers that know something changed (a tracking-side listener on waybill
// events, tests).
export class WaybillLinks {
  private readonly logger = new Logger('WaybillLinks');
  private byVehicle = new Map<string, WaybillWindow[]>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failing = false;

  constructor(
    private readonly query: (sql: string, params: unknown[]) => Promise<Row[]>,
    private readonly options: { refreshMs: number; lookbackMs: number },
  ) {}

  get size() {
    return this.byVehicle.size;
  }

  lookup(vehicleId: string, fixTime: Date): string | null {
    return waybillAt(this.byVehicle.get(vehicleId), fixTime);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // Reloads now; concurrent callers share one reload.
  invalidate(): Promise<void> {
    return this.refresh();
  }

  refresh(): Promise<void> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule() {
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.options.refreshMs);
    this.timer.unref();
  }

  private async load() {
    try {
      const rows = await this.query(ACTIVE_WAYBILLS_SQL, [GOODS_ON_BOARD, Math.round(this.options.lookbackMs / 1000)]);
      const next = new Map<string, WaybillWindow[]>();
      for (const r of rows) {
        const window: WaybillWindow = {
          waybillId: r.id,
          // Goods on board with no recorded loading time (data from before events existed): the whole past counts.
          from: r.loaded_at ? r.loaded_at.getTime() : -Infinity,
          to: r.ended_at ? r.ended_at.getTime() : null,
        };
        const list = next.get(r.vehicle_id);
        if (list) list.push(window);
        else next.set(r.vehicle_id, [window]);
      }
      this.byVehicle = next;
      if (this.failing) this.logger.log('waybill links reloaded again');
      this.failing = false;
    } catch (e) {
      // Keep the previous map: linking a few seconds' positions with slightly old data beats linking none.
      if (!this.failing) this.logger.warn(`could not reload waybill links (keeping the previous ones): ${(e as Error).message}`);
      this.failing = true;
    }
  }
}
