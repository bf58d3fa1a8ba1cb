import type { DataSource, EntityManager, EntityMetadata } from 'typeorm';
import pg from 'pg';

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

// The same rows gathered as JSON inside one larger statement (json_agg / row_to_json of a select with
// entityJsonColumns), turned back into what entityColumns() rows hold with entityFromJson(). JSON carries uuid,
// text, integers, booleans, arrays and jsonb as pg parses them; timestamps, numerics and bigints are selected as
// text (what pg receives for them anyway) and timestamps parsed by pg's own parser, so the values are identical.
const JSON_AS_TEXT = new Set(['numeric', 'decimal', 'bigint', 'int8', 'date']);
const TIMESTAMP_OIDS: Record<string, number> = { timestamptz: 1184, 'timestamp with time zone': 1184, timestamp: 1114, 'timestamp without time zone': 1114 };
const jsonCache = new Map<EntityMetadata, { byAlias: Map<string, string>; timestamps: [string, (text: string) => unknown][] }>();

function jsonShape(source: DataSource | EntityManager, entity: new () => object) {
  const metadata = (source as DataSource).getMetadata ? (source as DataSource).getMetadata(entity) : (source as EntityManager).connection.getMetadata(entity);
  let shape = jsonCache.get(metadata);
  if (!shape) {
    const timestamps: [string, (text: string) => unknown][] = [];
    for (const c of metadata.columns) {
      if (!c.isSelect || c.isVirtual || c.isVirtualProperty) continue;
      const type = typeof c.type === 'string' ? c.type : '';
      if (type === 'bytea' || type === 'interval' || !type) throw new Error(`entityJsonColumns: ${metadata.name}.${c.propertyName} has a type JSON cannot carry as pg parses it`);
      const oid = TIMESTAMP_OIDS[type];
      if (oid) timestamps.push([c.propertyName, pg.types.getTypeParser(oid, 'text') as (text: string) => unknown]);
    }
    jsonCache.set(metadata, (shape = { byAlias: new Map(), timestamps }));
  }
  return { metadata, shape };
}

export function entityJsonColumns(source: DataSource | EntityManager, entity: new () => object, alias: string): string {
  const { metadata, shape } = jsonShape(source, entity);
  let list = shape.byAlias.get(alias);
  if (!list) {
    entityColumns(source, entity, alias); // the same checks (no embedded columns, no transformers)
    list = metadata.columns
      .filter((c) => c.isSelect && !c.isVirtual && !c.isVirtualProperty)
      .map((c) => {
        const column = `${alias}."${c.databaseName}"`;
        const type = c.type as string;
        return `${JSON_AS_TEXT.has(type) || TIMESTAMP_OIDS[type] ? `${column}::text` : column} AS "${c.propertyName}"`;
      })
      .join(', ');
    shape.byAlias.set(alias, list);
  }
  return list;
}

// A row selected with entityJsonColumns and parsed from JSON, as entityColumns() would have given it (in place).
export function entityFromJson<E>(source: DataSource | EntityManager, entity: new () => E, row: Record<string, unknown>): E {
  const { shape } = jsonShape(source, entity as new () => object);
  for (const [key, parse] of shape.timestamps) {
    const v = row[key];
    if (typeof v === 'string') row[key] = parse(v);
  }
  return row as E;
}
