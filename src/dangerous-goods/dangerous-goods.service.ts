import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { AuditService, type Actor } from '../common/audit.service.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { buildCatalogue, normaliseUnNumber, readTable, type CatalogueEntry } from './catalogue.js';
import type { CreateGoodsAddition } from './dangerous-goods.dto.js';
import { GoodsAddition } from './goods-addition.entity.js';
import { loadFlagTables, type GoodsFlags } from './goods-flags-data.js';
import { describeAll, GoodsSearchIndex, parseGoodsNames, type AdditionRow, type GoodsDescription, type SearchHit } from './goods-names.js';

// Other processes (API instances, workers) see an administrator's change within this time.
export const ADDITIONS_RELOAD_MS = 60_000;

export type GoodsSearchItem = Pick<GoodsDescription, 'unNumber' | 'nameZh' | 'aliasesZh' | 'names' | 'hazardClass' | 'cas' | 'flags'> & {
  packingGroups: string[];
  match: SearchHit<GoodsDescription>['match'];
};

const actorOf = (p: Principal, requestId?: string): Actor => ({ userId: p.userId, apiKeyId: p.apiKeyId, requestId });
const unknownUn = (unNumber: string) => new NotFoundError('UN_NUMBER_UNKNOWN', `${unNumber} is not in the dangerous-goods catalogue`, { unNumber });

// The dangerous-goods catalogue in memory (about 2,400 UN numbers; built in ~100 ms at start) with Chinese names,
// CAS numbers and flags from the curated tables, plus what administrators add (dangerous_goods_additions). The
// additions are read at start, after each change made here, and every ADDITIONS_RELOAD_MS for other processes' changes.
@Injectable()
export class DangerousGoodsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DangerousGoodsService.name);
  private readonly entries: Map<string, CatalogueEntry> = buildCatalogue(
    readTable('us-49cfr-172101-hazmat-table.csv'),
    readTable('adr-2025-table-a-codes.csv'),
  );
  private readonly names = parseGoodsNames(readTable('cn-names.csv'));
  private readonly flagTables = loadFlagTables();
  private described = describeAll(this.entries, this.names, [], this.flagTables);
  private index = new GoodsSearchIndex(this.described.values());
  private loadedAdditions: string | null = null;
  private generation = 0;
  private appliedGeneration = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  // A failure here stops the boot: serving without an administrator's 剧毒 flag would be worse than not starting.
  async onModuleInit() {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((e: Error) => this.logger.warn(`reloading dangerous-goods additions failed, keeping the last ones: ${e.message}`));
    }, ADDITIONS_RELOAD_MS);
    this.timer.unref();
  }

  onModuleDestroy() {
    clearInterval(this.timer);
  }

  get size() {
    return this.entries.size;
  }

  // 'UN1203', 'un 1203' or '1203' → the entry, or undefined when the number is not in the catalogue.
  lookup(unNumber: string): CatalogueEntry | undefined {
    const un = normaliseUnNumber(unNumber);
    return un ? this.entries.get(un) : undefined;
  }

  // UN numbers (normalised to 4 digits) that are not in the catalogue.
  unknown(unNumbers: string[]): string[] {
    return unNumbers.filter((u) => !this.lookup(u));
  }

  // The entry with Chinese names, CAS numbers, flags (and where each flag comes from) and additions.
  describe(unNumber: string): GoodsDescription | undefined {
    const un = normaliseUnNumber(unNumber);
    return un ? this.described.get(un) : undefined;
  }

  describeOrThrow(unNumber: string): GoodsDescription {
    const d = this.describe(unNumber);
    if (!d) throw unknownUn(unNumber);
    return d;
  }

  flags(unNumber: string): GoodsFlags | undefined {
    return this.describe(unNumber)?.flags;
  }

  search(query: string, limit = 20): GoodsSearchItem[] {
    return this.index.search(query, limit).map(({ item, match }) => ({
      unNumber: item.unNumber,
      nameZh: item.nameZh,
      aliasesZh: item.aliasesZh,
      names: item.names,
      hazardClass: item.hazardClass,
      packingGroups: [...new Set(item.variants.map((v) => v.packingGroup).filter((pg): pg is string => pg !== null))],
      cas: item.cas,
      flags: item.flags,
      match,
    }));
  }

  async addAddition(p: Principal, unNumber: string, input: CreateGoodsAddition, requestId?: string): Promise<GoodsAddition> {
    const entry = this.lookup(unNumber);
    if (!entry) throw unknownUn(unNumber);
    const saved = await this.ds
      .transaction(async (m) => {
        const { identifiers } = await m.insert(GoodsAddition, {
          unNumber: entry.unNumber,
          kind: input.kind,
          value: input.value,
          source: input.source,
          createdByUserId: p.userId,
        });
        const after = await m.findOneByOrFail(GoodsAddition, { id: identifiers[0]!.id as string });
        await this.audit.record(
          actorOf(p, requestId),
          { action: 'dangerous-goods-addition.create', entityType: 'dangerous_goods_addition', entityId: after.id, organisationId: null, after },
          m,
        );
        return after;
      })
      .catch((e: unknown) => {
        const err = e as { code?: string; constraint?: string };
        if (err.code === '23505' && err.constraint === 'dangerous_goods_additions_uq') {
          throw new ConflictError('GOODS_ADDITION_EXISTS', `UN${entry.unNumber} already has this ${input.kind}`, { unNumber: entry.unNumber, kind: input.kind, value: input.value });
        }
        throw e;
      });
    await this.reload();
    return saved;
  }

  async removeAddition(p: Principal, id: string, requestId?: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      const before = await m.findOneBy(GoodsAddition, { id });
      if (!before) throw new NotFoundError('GOODS_ADDITION_NOT_FOUND', 'No such dangerous-goods addition');
      await m.delete(GoodsAddition, { id });
      await this.audit.record(
        actorOf(p, requestId),
        { action: 'dangerous-goods-addition.delete', entityType: 'dangerous_goods_addition', entityId: id, organisationId: null, before },
        m,
      );
    });
    await this.reload();
  }

  // Reads every addition and rebuilds the view when they changed. Additions are only inserted and deleted, so the
  // ids identify a state. When reloads overlap, a read started earlier never replaces one started later.
  async reload(): Promise<void> {
    const generation = ++this.generation;
    const rows: AdditionRow[] = await this.ds.getRepository(GoodsAddition).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    if (generation < this.appliedGeneration) return;
    this.appliedGeneration = generation;
    const fingerprint = rows.map((r) => r.id).join(',');
    if (fingerprint === this.loadedAdditions) return;
    this.described = describeAll(this.entries, this.names, rows, this.flagTables);
    this.index = new GoodsSearchIndex(this.described.values());
    this.loadedAdditions = fingerprint;
  }
}
