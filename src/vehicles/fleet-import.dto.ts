import { z } from 'zod';
import type { Principal } from '../accounts/principal.js';
import { IMPORT_KINDS, type ImportKind, type RowError } from './fleet-import.columns.js';

// The CSV travels in the job data, so the body limit of the import routes (app.setup.ts) bounds it too.
export const CSV_BODY_LIMIT = 10 * 1024 * 1024;

export const IMPORT_MODES = ['all-or-nothing', 'valid-rows'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const ImportQuerySchema = z.object({
  // all-or-nothing: any bad row and nothing is written. valid-rows: good rows are written, bad ones reported.
  mode: z.enum(IMPORT_MODES).default('all-or-nothing'),
  // Wait up to 60 s for the result (200) instead of answering 202 at once.
  wait: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  // Administrators import for a named organisation, as with POST /vehicles?organisationId=.
  organisationId: z.uuid().optional(),
});
export type ImportQuery = z.infer<typeof ImportQuerySchema>;

export const FleetImportJobSchema = z.object({
  kind: z.enum(IMPORT_KINDS),
  mode: z.enum(IMPORT_MODES),
  csv: z.string().min(1),
  encoding: z.enum(['utf-8', 'gbk']),
  total: z.number().int().min(1),
  // Who started it: only this organisation may read the status.
  organisationId: z.uuid(),
  userId: z.uuid().nullable(),
  // Whose fleet the rows join (differs from organisationId when an administrator imports for a carrier).
  ownerOrganisationId: z.uuid(),
  requestId: z.string().optional(),
  // The caller as authenticated when the import was posted; FleetService checks every row with it.
  principal: z.custom<Principal>((v) => typeof v === 'object' && v !== null && typeof (v as Principal).organisationId === 'string'),
});
export type FleetImportJob = z.infer<typeof FleetImportJobSchema>;

export type ImportState = 'queued' | 'running' | 'completed' | 'failed';

export type ImportRowResult = { row: number; ok: boolean; id?: string; errors?: RowError[] };

export type ImportResult = {
  // `row` is the row as a spreadsheet numbers it: the header is row 1, the first data row is row 2.
  rowNumbering: 'header-is-row-1';
  encoding: 'utf-8' | 'gbk';
  // false when all-or-nothing rolled back: then `created` is 0 and no row has an id.
  committed: boolean;
  created: number;
  failed: number;
  rows: ImportRowResult[];
};

export type ImportStatus = {
  id: string;
  kind: ImportKind;
  mode: ImportMode;
  state: ImportState;
  progress: { done: number; total: number };
  createdAt: string;
  finishedAt?: string;
  result?: ImportResult;
  error?: { code: string; message: string };
};
