import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnv } from '../config/env.js';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

// npm run migration:generate -- <name>: runs every migration on the database, asks TypeORM what SQL would
// bring it in line with the entities, and writes that SQL as a new migration in src/database/migrations/.
// Read the SQL, give constraints names, add it to migrations.ts.
async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error('usage: npm run migration:generate -- <kebab-name>');
  const env = loadEnv();
  const embedded = env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ port: env.EMBEDDED_PG_PORT, dataDir: env.EMBEDDED_PG_DIR });
  const ds = createDataSource(env.DATABASE_URL ?? embedded!.url);
  try {
    await ds.initialize();
    await ds.runMigrations();
    const sql = await ds.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      console.log('No changes: the entities match the migrations.');
      return;
    }
    const ts = Date.now();
    const cls = name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()) + ts;
    const q = (s: string) => '`' + s.replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
    const up = sql.upQueries.map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const down = [...sql.downQueries].reverse().map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const file = path.join('src', 'database', 'migrations', `${ts}-${name}.ts`);
    writeFileSync(
      file,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${cls} implements MigrationInterface {\n  name = '${cls}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
    );
    console.log(`Wrote ${file}; add ${cls} to src/database/migrations.ts`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await embedded?.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
