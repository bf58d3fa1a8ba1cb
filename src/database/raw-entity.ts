import type { DataSource, EntityManager, EntityMetadata } from 'typeorm';

// Entities read with plain SQL on hot paths (a pre-loading check reads ten records, a waybill issue eight).
// TypeORM's find builds its query and hydrates every row through the entity metadata on each call, which costs
// more CPU than PostgreSQL spends answering. entityColumns() builds the select list once per entity and alias,
// each column named as its property, so that a row from m.query() has the shape find() gives: the same keys
// (columns with select: false left out, relations not loaded) and the same values (date columns as 'YYYY-MM-DD'
// text, as TypeORM turns them; everything else as pg parses it, which is what TypeORM keeps). raw-entity.spec.ts
// compares the two on every entity read this way.

const cache = new Map<EntityMetadata, Map<string, string>>();

export function entityColumns(source: DataSource | EntityManager, entity: new () => object, alias: string): string {
  const metadata = (source as DataSource).getMetadata
    ? (source as DataSource).getMetadata(entity)
    : (source as EntityManager).connection.getMetadata(entity);
  let byAlias = cache.get(metadata);
  if (!byAlias) cache.set(metadata, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (!list) {
    if (metadata.embeddeds.length) throw new Error(`entityColumns: ${metadata.name} has embedded columns, which plain rows cannot shape`);
    list = metadata.columns
      .filter((c) => c.isSelect && !c.isVirtual && !c.isVirtualProperty)
      .map((c) => {
        if (c.transformer) throw new Error(`entityColumns: ${metadata.name}.${c.propertyName} has a transformer`);
        const column = `${alias}."${c.databaseName}"`;
        return `${c.type === 'date' ? `${column}::text` : column} AS "${c.propertyName}"`;
      })
      .join(', ');
    byAlias.set(alias, list);
  }
  return list;
}

// The table name of an entity, for the FROM clause next to entityColumns().
export function entityTable(source: DataSource | EntityManager, entity: new () => object): string {
  const metadata = (source as DataSource).getMetadata ? (source as DataSource).getMetadata(entity) : (source as EntityManager).connection.getMetadata(entity);
  return `"${metadata.tableName}"`;
}
