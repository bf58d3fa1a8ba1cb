import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';

// The dangerous-goods catalogue keyed by 4-digit UN number, merged from 49 CFR 172.101 (English names,
// classes, packing groups) and ADR 2025 Table A (classification, labels, tank code, tunnel code, hazard
// identification number). Files in ./tables, provenance in tables/PROVENANCE.md.

export type CatalogueVariant = {
  packingGroup: string | null; // I, II, III or null
  // ADR 2025 Table A
  classificationCode?: string;
  labels?: string[];
  tankCode?: string | null;
  portableTankInstructions?: string | null; // col 10, e.g. T7: tank carriage is also allowed in portable tanks
  tankVehicle?: string | null; // FL, AT, EX/II, EX/III
  transportCategory?: string | null;
  tunnelCode?: string | null; // B1000C, D/E, ...
  hazardId?: string | null; // Kemler number
};

export type CatalogueEntry = {
  unNumber: string; // '1203'
  names: string[]; // English proper shipping names (49 CFR)
  hazardClass: string; // '3', '2.1', '6.1' (division when known)
  subsidiaryRisks: string[];
  variants: CatalogueVariant[];
};

const TABLES = new URL('../../src/dangerous-goods/tables/', import.meta.url);
export const readTable = (name: string) => readFileSync(new URL(name, TABLES), 'utf8');

export const normaliseUnNumber = (input: string): string | null => {
  const m = /^\s*(?:UN\s*)?(\d{4})\s*$/i.exec(input);
  return m ? m[1]! : null;
};

type CfrRow = { idNumber: string; properShippingName: string; hazardClass: string; packingGroup: string; subsidiaryRisks: string; forbidden: string };
type AdrRow = {
  un_number: string;
  class: string;
  classification_code: string;
  packing_group: string;
  labels: string;
  portable_tank_instructions: string;
  tank_code: string;
  tank_vehicle: string;
  transport_category_tunnel_code: string;
  hazard_identification_number: string;
};

const blankToNull = (v: string | undefined) => (v && v.trim() && !['None', '-'].includes(v.trim()) ? v.trim() : null);

// "2.3 +8 (+13)" → ['2.3', '8']: the (+13) is the handling mark for class 1 shunting, not a label.
export const parseAdrLabels = (v: string) =>
  v
    .replace(/\(\+?\d+\)/g, '')
    .split(/\s*\+\s*|\s+/)
    .map((s) => s.trim())
    .filter(Boolean);

// "1 (B1000C)" → category 1, tunnel code B1000C; "2 (D/E)"; "-" or "" → null.
export function parseTransportCategory(v: string): { transportCategory: string | null; tunnelCode: string | null } {
  const m = /^\s*([0-4-])?\s*(?:\(([^)]*)\))?\s*$/.exec(v);
  if (!m) return { transportCategory: blankToNull(v), tunnelCode: null };
  return { transportCategory: m[1] && m[1] !== '-' ? m[1] : null, tunnelCode: blankToNull(m[2]) };
}

export function buildCatalogue(cfrCsv: string, adrCsv: string): Map<string, CatalogueEntry> {
  const entries = new Map<string, CatalogueEntry>();
  const cfr = parse(cfrCsv, { columns: true, skip_empty_lines: true }) as CfrRow[];
  for (const r of cfr) {
    const un = r.idNumber.startsWith('UN') ? r.idNumber.slice(2) : null; // NA numbers are US-only
    if (!un || r.forbidden === 'True') continue;
    const e = entries.get(un) ?? { unNumber: un, names: [], hazardClass: r.hazardClass, subsidiaryRisks: [], variants: [] };
    if (!e.names.includes(r.properShippingName)) e.names.push(r.properShippingName);
    for (const s of r.subsidiaryRisks.split(/[\s,]+/).filter(Boolean)) if (!e.subsidiaryRisks.includes(s)) e.subsidiaryRisks.push(s);
    const pg = blankToNull(r.packingGroup);
    if (!e.variants.some((v) => v.packingGroup === pg)) e.variants.push({ packingGroup: pg });
    entries.set(un, e);
  }
  const adr = parse(adrCsv, { columns: true, skip_empty_lines: true }) as AdrRow[];
  for (const r of adr) {
    const un = r.un_number.trim();
    const labels = parseAdrLabels(r.labels);
    const e = entries.get(un) ?? { unNumber: un, names: [], hazardClass: labels[0] ?? r.class, subsidiaryRisks: [], variants: [] };
    // ADR gives the division through the primary label (class 2 → 2.1/2.2/2.3); 49 CFR gives it directly.
    if (!/\./.test(e.hazardClass) && labels[0]?.startsWith(`${r.class}.`)) e.hazardClass = labels[0];
    const pg = blankToNull(r.packing_group);
    const adrCodes: CatalogueVariant = {
      packingGroup: pg,
      classificationCode: r.classification_code,
      labels,
      tankCode: blankToNull(r.tank_code),
      portableTankInstructions: blankToNull(r.portable_tank_instructions),
      tankVehicle: blankToNull(r.tank_vehicle),
      ...parseTransportCategory(r.transport_category_tunnel_code),
      hazardId: blankToNull(r.hazard_identification_number),
    };
    const same = e.variants.find((v) => v.packingGroup === pg && v.classificationCode === undefined);
    if (same) Object.assign(same, adrCodes);
    else e.variants.push(adrCodes);
    entries.set(un, e);
  }
  return entries;
}
