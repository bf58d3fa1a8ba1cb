import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

// The one place database options live: shared by the app, the migration generator and the tests.
// The schema comes from migrations only, never `synchronize`.
export const dataSourceOptions = (url: string, poolSize = 20): DataSourceOptions => ({
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
  extra: { application_name: 'hazway', connectionTimeoutMillis: 10_000 },
});

export const createDataSource = (url: string, poolSize?: number) => new DataSource(dataSourceOptions(url, poolSize));
