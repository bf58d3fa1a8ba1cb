import pg from 'pg';
import type { DataSource, EntityManager, EntityMetadata } from 'typeorm';

// Entities read with plain SQL on hot paths (a pre-loading check reads ten records, a waybill issue eight).
// TypeORM's find builds its query and hydrates every row through the entity metadata on each call, which costs
// more CPU than PostgreSQL spends answering. entityColumns() builds the select list once per entity and alias,
// each column named as its property, so that a row from m.query() has the shape find() gives: the same keys
// (columns with select: false left out, relations not loaded) and the same values (date columns as 'YYYY-MM-DD'
// text, as TypeORM turns them; everything else as pg parses it, which is what TypeORM keeps). raw-entity.spec.ts
// compares the two on every entity read this way.

const cache = new Map<EntityMetadata, Map<string, string>>();

// `omit` leaves out properties a caller does not use (a large column read on every call for nothing); the row then
// lacks them, and the caller must not pass it where they are needed.
export function entityColumns(source: DataSource | EntityManager, entity: new () => object, alias: string, omit: readonly string[] = []): string {
  const metadata = (source as DataSource).getMetadata
    ? (source as DataSource).getMetadata(entity)
    : (source as EntityManager).connection.getMetadata(entity);
  let byAlias = cache.get(metadata);
  if (!byAlias) cache.set(metadata, (byAlias = new Map()));
  const key = omit.length ? `${alias} -${omit.join(',')}` : alias;
  let list = byAlias.get(key);
  if (!list) {
    if (metadata.embeddeds.length) throw new Error(`entityColumns: ${metadata.name} has embedded columns, which plain rows cannot shape`);
    const unknown = omit.filter((p) => !metadata.columns.some((c) => c.propertyName === p));
    if (unknown.length) throw new Error(`entityColumns: ${metadata.name} has no ${unknown.join(', ')} to leave out`);
    list = metadata.columns
      .filter((c) => c.isSelect && !c.isVirtual && !c.isVirtualProperty && !omit.includes(c.propertyName))
      .map((c) => {
        if (c.transformer) throw new Error(`entityColumns: ${metadata.name}.${c.propertyName} has a transformer`);
        const column = `${alias}."${c.databaseName}"`;
        return `${c.type === 'date' ? `${column}::text` : column} AS "${c.propertyName}"`;
      })
      .join(', ');
    byAlias.set(key, list);
  }
  return list;
}

// The table name of an entity, for the FROM clause next to entityColumns().
export function entityTable(source: DataSource | EntityManager, entity: new () => object): string {
  const metadata = (source as DataSource).getMetadata ? (source as DataSource).getMetadata(entity) : (source as EntityManager).connection.getMetadata(entity);
  return `"${metadata.tableName}"`;
}

// The same rows inside one statement that reads several tables: entityJsonColumns() is the select list of a subquery
// whose rows are aggregated with json_agg, and entityFromJson() turns each JSON object back into the row find() gives.
// JSON keeps what it can (text, uuid, integers, floats, booleans, arrays of those, jsonb); numeric and bigint travel
// as their text (what pg gives), dates as 'YYYY-MM-DD' text, timestamps as their text parsed by pg's own parser
// (the same Date to the millisecond as a plain row).
const jsonCache = new Map<EntityMetadata, { list: Map<string, string>; timestamps: [string, (text: string) => unknown][] }>();
const TEXT_TYPES = new Set(['numeric', 'decimal', 'bigint', 'int8', 'date']);
const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp', 'timestamp with time zone', 'timestamp without time zone']);

function jsonShape(source: DataSource | EntityManager, entity: new () => object) {
  const metadata = (source as DataSource).getMetadata
    ? (source as DataSource).getMetadata(entity)
    : (source as EntityManager).connection.getMetadata(entity);
  let shape = jsonCache.get(metadata);
  if (!shape) {
    if (metadata.embeddeds.length) throw new Error(`entityJsonColumns: ${metadata.name} has embedded columns`);
    const columns = metadata.columns.filter((c) => c.isSelect && !c.isVirtual && !c.isVirtualProperty);
    for (const c of columns) {
      if (c.transformer) throw new Error(`entityJsonColumns: ${metadata.name}.${c.propertyName} has a transformer`);
      const type = String(c.type);
      if (c.isArray && (TEXT_TYPES.has(type) || TIMESTAMP_TYPES.has(type))) throw new Error(`entityJsonColumns: ${metadata.name}.${c.propertyName} is an array of ${type}`);
    }
    const parser = (c: (typeof columns)[number]) => pg.types.getTypeParser(String(c.type) === 'timestamp' || String(c.type).includes('without') ? 1114 : 1184) as (t: string) => unknown;
    shape = { list: new Map(), timestamps: columns.filter((c) => TIMESTAMP_TYPES.has(String(c.type))).map((c) => [c.propertyName, parser(c)] as [string, (t: string) => unknown]) };
    jsonCache.set(metadata, shape);
  }
  return { metadata, shape };
}

export function entityJsonColumns(source: DataSource | EntityManager, entity: new () => object, alias: string): string {
  const { metadata, shape } = jsonShape(source, entity);
  let list = shape.list.get(alias);
  if (!list) {
    list = metadata.columns
      .filter((c) => c.isSelect && !c.isVirtual && !c.isVirtualProperty)
      .map((c) => {
        const column = `${alias}."${c.databaseName}"`;
        const asText = TEXT_TYPES.has(String(c.type)) || TIMESTAMP_TYPES.has(String(c.type));
        return `${asText ? `${column}::text` : column} AS "${c.propertyName}"`;
      })
      .join(', ');
    shape.list.set(alias, list);
  }
  return list;
}

export function entityFromJson<E extends object>(source: DataSource | EntityManager, entity: new () => E, row: Record<string, unknown>): E {
  for (const [key, parse] of jsonShape(source, entity).shape.timestamps) {
    const v = row[key];
    if (typeof v === 'string') row[key] = parse(v);
  }
  return row as E;
}
