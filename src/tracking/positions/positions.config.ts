import { DEFAULT_PLAUSIBILITY, type PlausibilityConfig } from './plausibility.rules.js';
import { DEFAULT_WRITER_OPTIONS, type PositionWriterOptions } from './position-writer.js';

// Settings of position storage. Provide POSITIONS_CONFIG (a Partial, merged over these defaults) to change them;
// without it the defaults apply.
export type PositionsConfig = {
  writer: PositionWriterOptions;
  plausibility: PlausibilityConfig;
  // Monthly partitions kept ready beyond the current month, and whole months kept (older partitions are dropped).
  partitionsAhead: number;
  retentionMonths: number;
  maintenanceIntervalMs: number;
  // Waybill links (waybill-links.ts): reload period, and how long an ended trip stays linkable for late uploads.
  waybillRefreshMs: number;
  waybillLookbackMs: number;
  writerStatementTimeoutMs: number;
};

export const DEFAULT_POSITIONS_CONFIG: PositionsConfig = {
  writer: DEFAULT_WRITER_OPTIONS,
  plausibility: DEFAULT_PLAUSIBILITY,
  partitionsAhead: 3,
  retentionMonths: 6,
  maintenanceIntervalMs: 24 * 3600_000,
  waybillRefreshMs: 5_000,
  waybillLookbackMs: 3 * 24 * 3600_000,
  // A batch stuck longer than this (a lock held by a migration, a frozen server) is cancelled and retried, so
  // that the writer notices and reports instead of waiting on one statement forever.
  writerStatementTimeoutMs: 30_000,
};

export type PositionsConfigOverrides = Partial<Omit<PositionsConfig, 'writer' | 'plausibility'>> & {
  writer?: Partial<PositionWriterOptions>;
  plausibility?: Partial<PlausibilityConfig>;
};

export function positionsConfig(overrides: PositionsConfigOverrides = {}): PositionsConfig {
  return {
    ...DEFAULT_POSITIONS_CONFIG,
    ...overrides,
    writer: { ...DEFAULT_POSITIONS_CONFIG.writer, ...overrides.writer },
    plausibility: { ...DEFAULT_POSITIONS_CONFIG.plausibility, ...overrides.plausibility },
  };
}

export const POSITIONS_CONFIG = Symbol('POSITIONS_CONFIG');
