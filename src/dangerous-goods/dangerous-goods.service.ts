import { Injectable } from '@nestjs/common';
import { buildCatalogue, normaliseUnNumber, readTable, type CatalogueEntry } from './catalogue.js';

// The dangerous-goods catalogue in memory (about 2,400 UN numbers; built in ~100 ms at start).
@Injectable()
export class DangerousGoodsService {
  private readonly entries: Map<string, CatalogueEntry> = buildCatalogue(
    readTable('us-49cfr-172101-hazmat-table.csv'),
    readTable('adr-2025-table-a-codes.csv'),
  );

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
}
