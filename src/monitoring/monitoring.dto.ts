import { z } from 'zod';
import { polygonProblem } from '../waybills/geo.rules.js';
import { ALARM_STATUSES } from './alarm.entity.js';
import { ALARM_SEVERITIES, MONITOR_RULE_IDS, ZONE_KINDS } from './rules/monitoring.types.js';
import { TUNNEL_CATEGORIES } from '../dangerous-goods/tunnel.rules.js';

const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const ListAlarmsSchema = z.object({
  status: z.enum(ALARM_STATUSES).optional(),
  ruleId: z.enum(MONITOR_RULE_IDS).optional(),
  severity: z.enum(ALARM_SEVERITIES).optional(),
  vehicleId: z.uuid().optional(),
  waybillId: z.uuid().optional(),
  historical: z.stringbool().optional(),
  from: z.coerce.date().optional(), // opened at or after
  to: z.coerce.date().optional(), // opened before
  ...pagination,
});
export type ListAlarms = z.infer<typeof ListAlarmsSchema>;

export const AcknowledgeSchema = z.object({ note: z.string().trim().max(2000).optional() }).default({});
export type Acknowledge = z.infer<typeof AcknowledgeSchema>;
export const CloseAlarmSchema = z.object({ disposition: z.string().trim().min(1).max(2000) });
export type CloseAlarm = z.infer<typeof CloseAlarmSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (China time)');
export const TimeWindowSchema = z.object({ days: z.array(z.number().int().min(1).max(7)).max(7).optional(), from: hhmm, to: hhmm });

const polygon = z
  .object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) })
  .superRefine((g, ctx) => {
    const problem = polygonProblem(g);
    if (problem) ctx.addIssue({ code: 'custom', message: `invalid polygon: ${problem.problem}${problem.ring !== undefined ? ` (ring ${problem.ring})` : ''}` });
  });

const zoneProperties = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(ZONE_KINDS),
  bannedClasses: z.array(z.string().regex(/^[1-9](\.\d[A-Z]?)?$/, "an ADR class such as '3', '2.1' or '1'")).max(30).default([]),
  windows: z.array(TimeWindowSchema).max(20).default([]),
  speedLimitKmh: z.number().int().min(5).max(120).nullable().default(null),
  // tunnel zones: the tunnel's ADR 1.9.5.2.2 category (A-E), required for them and refused for other kinds
  tunnelCategory: z.enum(TUNNEL_CATEGORIES).nullable().default(null),
  // GB/T 2260 code inside the authority's jurisdiction; the authority's own code when absent.
  regionCode: z.string().regex(/^\d{6}$/).optional(),
}).superRefine((p, ctx) => {
  if (p.kind === 'tunnel' && !p.tunnelCategory) ctx.addIssue({ code: 'custom', path: ['tunnelCategory'], message: 'a tunnel zone needs its category (A-E)' });
  if (p.kind !== 'tunnel' && p.tunnelCategory) ctx.addIssue({ code: 'custom', path: ['tunnelCategory'], message: 'only tunnel zones have a tunnel category' });
});

// A zone as a GeoJSON Feature (RFC 7946) with a Polygon geometry.
export const ZoneFeatureSchema = z.object({
  type: z.literal('Feature'),
  geometry: polygon,
  properties: zoneProperties,
});
export type ZoneFeature = z.infer<typeof ZoneFeatureSchema>;

export const ListZonesSchema = z.object({
  kind: z.enum(ZONE_KINDS).optional(),
  regionCode: z.string().regex(/^\d{2,6}$/).optional(),
  ...pagination,
});
export type ListZones = z.infer<typeof ListZonesSchema>;

export const StatisticsSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type Statistics = z.infer<typeof StatisticsSchema>;
