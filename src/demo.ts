import 'reflect-metadata';
import { seedDemoFleet } from './demo/demo-fleet.seed.js';
import { startDemoTraffic } from './demo/demo-traffic.js';
import { seedDemoWaybills } from './demo/demo-waybills.seed.js';
import { seedDemoMonitoring } from './demo/demo-monitoring.seed.js';
import { DEMO_PASSWORD, seedDemo } from './demo/demo.seed.js';
import { runServer } from './server.js';

// npm run demo: the server with a seeded demo dataset, on its own embedded database (data/demo-pg) unless
// DATABASE_URL says otherwise, so that the demo never mixes with real data.
const demoDefaults: NodeJS.ProcessEnv = {
  EMBEDDED_PG_DIR: process.env.EMBEDDED_PG_DIR ?? 'data/demo-pg',
  EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54330',
  ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? 'hazway-demo-admin',
};

let accounts: Awaited<ReturnType<typeof seedDemo>> = [];
runServer(demoDefaults, async (app) => {
  accounts = await seedDemo(app);
  await seedDemoFleet(app);
  await seedDemoWaybills(app);
  await seedDemoMonitoring(app);
})
  .then(({ app, url, env }) => {
    // Vehicles moving along the demo route through the JT/T 808 port, until shutdown: SIGINT/SIGTERM run the
    // server's stop() (registered first by runServer); this ends the simulation alongside, so its terminals
    // disconnect as the server closes.
    const traffic = startDemoTraffic(app);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void traffic.stop());
    const rows = [
      { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD, roles: 'admin', organisation: 'Hazway 平台运营方' },
      ...accounts.map((a) => ({ ...a, password: DEMO_PASSWORD, roles: a.roles.join(',') })),
    ];
    console.log(`\nHazway demo is running at ${url}  (API docs ${url}/docs)\nDemo accounts (sign in with POST ${url}/auth/login):`);
    console.table(rows);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
