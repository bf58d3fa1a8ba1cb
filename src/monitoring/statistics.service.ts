import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { regionPrefix } from '../accounts/region.rules.js';
import { toCsv, type CsvValue } from '../common/csv.js';
import { BadRequestError, ForbiddenError } from '../common/errors.js';

export type MonitoringStatistics = {
  from: Date;
  to: Date;
  regionPrefix: string | null;
  alarms: number;
  byRule: { ruleId: string; count: number }[];
  byCarrier: { carrierId: string; carrierName: string; count: number }[];
  byDay: { day: string; count: number }[];
  onRoute: { positions: number; offRoute: number; rate: number | null };
  acknowledgement: { acknowledged: number; meanSeconds: number | null };
};

const MAX_RANGE_MS = 366 * 86_400_000;

// Statistics for authorities (issue 7): alarm episodes opened in [from, to) in the caller's jurisdiction (by the
// carrier's region), per rule, carrier and China day; the on-route rate; the mean time to acknowledge (from when
// the platform raised the alarm to its acknowledgement).
//
// On-route rate, as defined here: of the clean positions linked to a waybill (goods on board) of the region's
// carriers in the period, the share not taken while a TR-06 route deviation episode of that vehicle was open
// (openedAt..closedAt, or ..lastAt while it is still open). Historical episodes count: they are what happened.
@Injectable()
export class StatisticsService {
  constructor(private readonly ds: DataSource) {}

  async compute(p: Principal, from: Date, to: Date): Promise<MonitoringStatistics> {
    if (!isAuthority(p) && !isAdmin(p)) throw new ForbiddenError('AUTHORITY_REQUIRED', 'Monitoring statistics are for transport authorities');
    if (!(to > from)) throw new BadRequestError('RANGE_INVALID', '`to` must be after `from`');
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw new BadRequestError('RANGE_TOO_LONG', 'At most 366 days at once');
    const prefix = isAdmin(p) ? null : regionPrefix(p.regionCode);
    const like = `${prefix ?? ''}%`;
    const where = `a.opened_at >= $1 AND a.opened_at < $2 AND a.region_code LIKE $3`;
    const params = [from, to, like];
    const [byRule, byCarrier, byDay, ack, onRoute]: any[][] = await Promise.all([
      this.ds.query(`SELECT a.rule_id, count(*)::int AS n FROM alarms a WHERE ${where} GROUP BY a.rule_id ORDER BY a.rule_id`, params),
      this.ds.query(
        `SELECT a.carrier_id, o.name, count(*)::int AS n FROM alarms a JOIN organisations o ON o.id = a.carrier_id
          WHERE ${where} GROUP BY a.carrier_id, o.name ORDER BY n DESC, o.name`,
        params,
      ),
      this.ds.query(
        `SELECT to_char(a.opened_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM alarms a
          WHERE ${where} GROUP BY 1 ORDER BY 1`,
        params,
      ),
      this.ds.query(
        `SELECT count(*)::int AS n, avg(extract(epoch FROM a.acknowledged_at - a.raised_at))::float8 AS mean
           FROM alarms a WHERE ${where} AND a.acknowledged_at IS NOT NULL`,
        params,
      ),
      this.ds.query(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM alarms d WHERE d.vehicle_id = p.vehicle_id AND d.rule_id = 'TR-06'
                     AND p.fix_time >= d.opened_at AND p.fix_time <= coalesce(d.closed_at, d.last_at)))::int AS off
           FROM positions p
           JOIN vehicles v ON v.id = p.vehicle_id
           JOIN organisations o ON o.id = v.organisation_id
          WHERE p.fix_time >= $1 AND p.fix_time < $2 AND p.waybill_id IS NOT NULL AND p.quality = 0 AND o.region_code LIKE $3`,
        params,
      ),
    ]);
    const total = byRule.reduce((s: number, r: { n: number }) => s + r.n, 0);
    const positions = onRoute[0]?.total ?? 0;
    const off = onRoute[0]?.off ?? 0;
    return {
      from,
      to,
      regionPrefix: prefix,
      alarms: total,
      byRule: byRule.map((r) => ({ ruleId: r.rule_id, count: r.n })),
      byCarrier: byCarrier.map((r) => ({ carrierId: r.carrier_id, carrierName: r.name, count: r.n })),
      byDay: byDay.map((r) => ({ day: r.day, count: r.n })),
      onRoute: { positions, offRoute: off, rate: positions ? (positions - off) / positions : null },
      acknowledgement: { acknowledged: ack[0]?.n ?? 0, meanSeconds: ack[0]?.mean ?? null },
    };
  }
}

// One table for spreadsheets: section, key, label, value (carrier names neutralised against formulas by toCsv).
export function statisticsCsv(s: MonitoringStatistics): string {
  const rows: CsvValue[][] = [['section', 'key', 'label', 'value']];
  rows.push(['period', 'from', '', s.from.toISOString()], ['period', 'to', '', s.to.toISOString()], ['total', 'alarms', '', s.alarms]);
  for (const r of s.byRule) rows.push(['rule', r.ruleId, '', r.count]);
  for (const r of s.byCarrier) rows.push(['carrier', r.carrierId, r.carrierName, r.count]);
  for (const r of s.byDay) rows.push(['day', r.day, '', r.count]);
  rows.push(['on_route', 'positions', '', s.onRoute.positions], ['on_route', 'off_route', '', s.onRoute.offRoute], ['on_route', 'rate', '', s.onRoute.rate ?? '']);
  rows.push(['acknowledgement', 'acknowledged', '', s.acknowledgement.acknowledged], ['acknowledgement', 'mean_seconds', '', s.acknowledgement.meanSeconds ?? '']);
  return toCsv(rows);
}
