import { Injectable, Logger } from '@nestjs/common';
import type { Job, JobState } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Principal } from '../accounts/principal.js';
import { BadRequestError, DomainError, NotFoundError } from '../common/errors.js';
import { toFieldErrors } from '../common/zod-validation.js';
import { JobHandler } from '../queue/job-handler.decorator.js';
import { QueueService } from '../queue/queue.service.js';
import { IMPORT_COLUMNS, convertRow, matchHeader, type ColumnBinding, type ImportKind, type RowError } from './fleet-import.columns.js';
import { decodeCsv, parseCsv, type CsvTable } from './fleet-import.csv.js';
import {
  FleetImportJobSchema,
  type FleetImportJob,
  type ImportQuery,
  type ImportResult,
  type ImportRowResult,
  type ImportState,
  type ImportStatus,
} from './fleet-import.dto.js';
import { CreatePersonSchema, CreateTankSchema, CreateVehicleSchema } from './fleet.dto.js';
import type { FleetResource } from './fleet-records.js';
import { FleetService, PEOPLE, TANKS, VEHICLES } from './fleet.service.js';
import type { Person } from './person.entity.js';
import type { Tank } from './tank.entity.js';
import type { Vehicle } from './vehicle.entity.js';
import { FLEET_IMPORT_JOB, VEHICLES_QUEUE } from './vehicles.queue.js';

// Finished imports stay readable at GET /imports/:id for a week.
const KEEP_SECONDS = 7 * 24 * 3600;
const WAIT_MS = 60_000;

const SCHEMAS: Record<ImportKind, z.ZodType> = { vehicles: CreateVehicleSchema, tanks: CreateTankSchema, people: CreatePersonSchema };
const RESOURCES: Record<ImportKind, FleetResource<Vehicle | Tank | Person>> = { vehicles: VEHICLES, tanks: TANKS, people: PEOPLE } as never;
// The value that must be unique among active records, hence within one file too.
const UNIQUE_FIELD: Record<ImportKind, string> = { vehicles: 'plateNumber', tanks: 'number', people: 'idNumber' };

// Which field a FleetService refusal is about, for codes whose details do not say.
const ERROR_FIELDS: Record<string, string> = {
  PLATE_TAKEN: 'plateNumber',
  TANK_NUMBER_TAKEN: 'number',
  ID_NUMBER_TAKEN: 'idNumber',
  UNKNOWN_UN_NUMBER: 'media',
  CATEGORY_NOT_ALLOWED: 'categories',
  NOT_A_TRAILER: 'usualTrailerId',
};

const STATES: Partial<Record<JobState | 'unknown', ImportState>> = { active: 'running', completed: 'completed', failed: 'failed' };

export type ImportStarted = { importId: string; status: ImportState; statusUrl: string; total: number };

// Bulk import of vehicles, tanks and people from CSV (UTF-8 or GBK). The request checks what makes the whole
// file unusable (encoding, columns, authorisation) and answers 400/403 at once; the rows are then checked and
// written by a 'fleet-import' job, each through the API's own schema and FleetService, in ONE transaction with a
// savepoint per row: all-or-nothing rolls the transaction back if any row failed, valid-rows commits the good
// ones. Either way a crash or a lost connection leaves nothing half-written.
@Injectable()
export class FleetImportService {
  private readonly logger = new Logger('FleetImport');

  constructor(
    private readonly ds: DataSource,
    private readonly fleet: FleetService,
    private readonly queues: QueueService,
  ) {}

  async start(p: Principal, kind: ImportKind, body: Buffer, q: ImportQuery, requestId?: string): Promise<ImportStarted> {
    const owner = await this.fleet.records.ownerFor(p, RESOURCES[kind], q.organisationId);
    const { text, encoding } = decodeCsv(body);
    const table = parseCsv(text);
    this.bindColumns(kind, table);
    const importId = randomUUID();
    const data: FleetImportJob = {
      kind,
      mode: q.mode,
      csv: text,
      encoding,
      total: table.rows.length,
      organisationId: p.organisationId,
      userId: p.userId,
      ownerOrganisationId: owner.id,
      requestId,
      principal: p,
    };
    await this.queues.add(VEHICLES_QUEUE, FLEET_IMPORT_JOB, data, {
      jobId: importId,
      // Retrying cannot help a file; a failure wrote nothing, so the carrier may simply send it again.
      attempts: 1,
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
    return { importId, status: 'queued', statusUrl: `/imports/${importId}`, total: data.total };
  }

  async status(p: Principal, id: string): Promise<ImportStatus> {
    const queue = this.queues.getQueue(VEHICLES_QUEUE);
    // State first, then the job: read the other way round, a job finishing in between would show as
    // completed without its result.
    const jobState = await queue.getJobState(id);
    const job = await queue.getJob(id);
    const data = job?.data as FleetImportJob | undefined;
    // Another organisation's import is "not found", like any record outside the caller's scope.
    if (!job || job.name !== FLEET_IMPORT_JOB || data?.organisationId !== p.organisationId) {
      throw new NotFoundError('IMPORT_NOT_FOUND', 'No such import');
    }
    const state = STATES[jobState] ?? 'queued';
    const reported = job.progress as { done?: unknown } | number;
    const done = state === 'completed' ? data.total : reported && typeof reported === 'object' && typeof reported.done === 'number' ? reported.done : 0;
    return {
      id,
      kind: data.kind,
      mode: data.mode,
      state,
      progress: { done, total: data.total },
      createdAt: new Date(job.timestamp).toISOString(),
      ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
      ...(state === 'completed' ? { result: job.returnvalue as ImportResult } : {}),
      // The cause (an outage, a bug) is in the worker's log under the import id, not for the client.
      ...(state === 'failed' ? { error: { code: 'IMPORT_FAILED', message: 'The import failed and nothing was written: send the file again' } } : {}),
    };
  }

  // The finished status, or undefined if the import is still queued or running after `ms`.
  async waitForResult(p: Principal, id: string, ms = WAIT_MS): Promise<ImportStatus | undefined> {
    const deadline = Date.now() + ms;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      const s = await this.status(p, id);
      if (s.state === 'completed' || s.state === 'failed') return s;
      if (Date.now() + delay > deadline) return undefined;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  @JobHandler(VEHICLES_QUEUE, FLEET_IMPORT_JOB, FleetImportJobSchema)
  async run(data: FleetImportJob, job: Job): Promise<ImportResult> {
    const table = parseCsv(data.csv);
    const bindings = this.bindColumns(data.kind, table);
    const total = table.rows.length;
    // About a hundred progress reports per file, whatever its size.
    const every = Math.max(1, Math.ceil(total / 100));
    await job.updateProgress({ done: 0, total });

    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const rows: ImportRowResult[] = [];
    try {
      await runner.startTransaction();
      const seen = new Map<string, number>();
      for (const [i, record] of table.rows.entries()) {
        rows.push(await this.importRow(data, bindings, record.row, record.cells, seen, runner.manager));
        if ((i + 1) % every === 0 || i + 1 === total) await job.updateProgress({ done: i + 1, total });
      }
      const failed = rows.filter((r) => !r.ok).length;
      const commit = data.mode === 'valid-rows' || failed === 0;
      if (commit) await runner.commitTransaction();
      else await runner.rollbackTransaction();
      const created = commit ? rows.filter((r) => r.id).length : 0;
      return {
        rowNumbering: 'header-is-row-1',
        encoding: data.encoding,
        committed: commit,
        created,
        failed,
        // Rolled back: the rows that were fine are still reported ok, but they have no id.
        rows: commit ? rows : rows.map(({ id: _id, ...r }) => r),
      };
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
  }

  // Every error of one row: conversion, schema, duplicate within the file, then FleetService's own checks.
  private async importRow(
    data: FleetImportJob,
    bindings: ColumnBinding[],
    row: number,
    cells: string[],
    seen: Map<string, number>,
    m: EntityManager,
  ): Promise<ImportRowResult> {
    const columnOf = (field: string) => bindings.find((b) => b?.column.field === field)?.header;
    const withColumn = (e: RowError): RowError => {
      const column = e.column ?? columnOf(e.field.split('.')[0]!);
      return column ? { ...e, column } : e;
    };
    const { values, errors, failedFields } = convertRow(bindings, cells);
    const parsed = SCHEMAS[data.kind].safeParse(values);
    if (!parsed.success) {
      for (const f of toFieldErrors(parsed.error)) {
        if (!failedFields.has(f.path.split('.')[0]!)) errors.push({ field: f.path, code: f.code, message: f.message });
      }
    }
    if (parsed.success) {
      const field = UNIQUE_FIELD[data.kind];
      const key = String((parsed.data as Record<string, unknown>)[field]);
      const first = seen.get(key);
      if (first !== undefined) errors.push({ field, code: 'DUPLICATE_IN_FILE', message: `${field} is the same as in row ${first}` });
      else seen.set(key, row);
    }
    if (errors.length || !parsed.success) return { row, ok: false, errors: errors.map(withColumn) };

    const input: Record<string, unknown> = { ...(parsed.data as object), organisationId: data.ownerOrganisationId };
    // A failed statement aborts a PostgreSQL transaction: the savepoint lets the next rows go on.
    await m.query('SAVEPOINT fleet_import_row');
    try {
      const created = await this.create(data, input, m);
      await m.query('RELEASE SAVEPOINT fleet_import_row');
      return { row, ok: true, id: created.id };
    } catch (e) {
      await m.query('ROLLBACK TO SAVEPOINT fleet_import_row');
      if (e instanceof DomainError) return { row, ok: false, errors: [withColumn(this.rowErrorOf(e, input))] };
      // A constraint the service does not translate (it would be a 500 in the API): this row only.
      if (e instanceof QueryFailedError) {
        this.logger.warn({ msg: 'import row refused by the database', row, err: e });
        return { row, ok: false, errors: [{ field: '(row)', code: 'ROW_REJECTED', message: 'The database refused this row' }] };
      }
      throw e;
    }
  }

  private create(data: FleetImportJob, input: object, m: EntityManager): Promise<{ id: string }> {
    const { principal: p, requestId } = data;
    switch (data.kind) {
      case 'vehicles':
        return this.fleet.createVehicle(p, input as never, requestId, m);
      case 'tanks':
        return this.fleet.createTank(p, input as never, requestId, m);
      case 'people':
        return this.fleet.createPerson(p, input as never, requestId, m) as Promise<{ id: string }>;
    }
  }

  private rowErrorOf(e: DomainError, input: { lastCargoUn?: unknown; media?: unknown }): RowError {
    const details = (e.details ?? {}) as { field?: unknown; unNumbers?: unknown };
    let field: string | undefined = typeof details.field === 'string' ? details.field : ERROR_FIELDS[e.code];
    if (e.code === 'UNKNOWN_UN_NUMBER' && input.lastCargoUn && Array.isArray(details.unNumbers)) {
      const inMedia = ((input.media ?? []) as { unNumber: string }[]).some((x) => (details.unNumbers as string[]).includes(`UN${x.unNumber}`));
      if (!inMedia) field = 'lastCargoUn';
    }
    // "usualDriverId must name a driver": the field leads the message.
    field ??= /^(usual\w+Id|vehicleId)\b/.exec(e.message)?.[1];
    return { field: field ?? '(row)', code: e.code, message: e.message };
  }

  private bindColumns(kind: ImportKind, table: CsvTable): ColumnBinding[] {
    const match = matchHeader(kind, table.header);
    if (match.unknown.length || match.missing.length || match.duplicate.length) {
      const label = (field: string) => {
        const alias = IMPORT_COLUMNS[kind].find((c) => c.field === field)?.aliases[0];
        return alias ? `${field} (${alias})` : field;
      };
      const parts = [
        match.missing.length ? `missing required columns: ${match.missing.map(label).join(', ')}` : '',
        match.unknown.length ? `unknown columns: ${match.unknown.join(', ')}` : '',
        match.duplicate.length ? `columns given twice: ${match.duplicate.join(', ')}` : '',
      ].filter(Boolean);
      throw new BadRequestError('CSV_COLUMNS', `The header row does not fit a ${kind} import: ${parts.join('; ')}`, {
        missing: match.missing,
        unknown: match.unknown,
        duplicate: match.duplicate,
        accepted: IMPORT_COLUMNS[kind].map((c) => ({ field: c.field, aliases: c.aliases, required: !!c.required })),
      });
    }
    return match.bindings;
  }
}
