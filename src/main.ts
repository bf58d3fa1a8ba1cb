import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadEnvOrExit } from './config/env.js';

// One process (WORKERS=1, the default), or a primary that runs WORKERS copies of it (src/cluster.ts). The app's
// modules are loaded only where they run: not in the primary.
async function main() {
  if (cluster.isPrimary && loadEnvOrExit().WORKERS > 1) await (await import('./cluster.js')).runCluster();
  else await (await import('./server.js')).runServer();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
