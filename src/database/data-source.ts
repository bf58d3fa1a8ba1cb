import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';
import { NamedStatementsClient } from './named-statements.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

// The one place database options live: shared by the app, the migration generator and the tests.
// The schema comes from migrations only, never `synchronize`. Pool connections give parameterised statements a
// name, so PostgreSQL parses and plans each text once per connection (named-statements.ts).
export const dataSourceOptions = (url: string, poolSize = 20, namedStatements = true): DataSourceOptions => ({
  type: 'postgres',
  url,
  entities: ENTITIES,
  migrations: MIGRATIONS,
  migrationsTableName: 'schema_migrations',
  namingStrategy: new SnakeNamingStrategy(),
  uuidExtension: 'pgcrypto',
  synchronize: false,
  migrationsRun: false,
  poolSize,
  extra: { application_name: 'hazway', connectionTimeoutMillis: 10_000, ...(namedStatements ? { Client: NamedStatementsClient } : {}) },
});

export const createDataSource = (url: string, poolSize?: number, namedStatements?: boolean) => new DataSource(dataSourceOptions(url, poolSize, namedStatements));
