import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENV, type Env } from '../config/env.js';
import { dataSourceOptions } from './data-source.js';

const logger = new Logger('Database');

// Runs pending migrations under an advisory lock, so that several processes starting together apply each
// migration once.
export async function migrate(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query(`SELECT pg_advisory_lock(hashtext('hazway.migrations'))`);
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(hashtext('hazway.migrations'))`).catch(() => undefined);
    await runner.release();
  }
}

async function createDataSource(options: DataSourceOptions | undefined): Promise<DataSource> {
  const ds = await new DataSource(options!).initialize();
  // An idle client that loses its server (PostgreSQL restarted) emits 'error' on the pool; without a
  // listener that would crash the process. The pool replaces the client on the next query.
  const pool = (ds.driver as unknown as { master?: { on: (e: string, f: (err: Error) => void) => void } }).master;
  pool?.on('error', (err) => logger.warn(`idle database connection lost: ${err.message}`));
  const applied = await migrate(ds);
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  return ds;
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ENV],
      useFactory: (env: Env) => {
        if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (main.ts starts the embedded PostgreSQL first)');
        return dataSourceOptions(env.DATABASE_URL, env.DATABASE_POOL_SIZE, env.DATABASE_NAMED_STATEMENTS);
      },
      dataSourceFactory: createDataSource,
    }),
  ],
})
export class DatabaseModule {}
