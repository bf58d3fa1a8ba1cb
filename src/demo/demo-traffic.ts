import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { TerminalServer } from '../tracking/terminal/terminal.server.js';
import type { BehaviourWindow, WalkerBehaviours } from '../tracking/simulator/route-walker.js';
import { runSimulation, type SimulatedTerminalSpec, type SimulationStats } from '../tracking/simulator/simulator.js';
import { SIMULATOR_ROUTES } from '../tracking/simulator/simulator.routes.js';

// Demo traffic: the demo vehicles' own JT/T 808 terminals (seeded by demo-fleet.seed.ts, phones 013800000001-3)
// simulated in the demo process, driving the demo corridor (DEMO_ROUTE: Ordos → Baotou → Hohhot on the G6/G65,
// there and back, forever) and reporting every REPORT_EVERY_S seconds through the real JT/T 808 port, so that
// /tracking/latest, the live map and track replay show vehicles moving along real roads. They register (0x0100)
// afresh at every start and then authenticate, as a real terminal does.
//
// Behaviours for the monitoring demo (windows in minutes of driving, repeated every CYCLE_S):
//   蒙B12345 speeds (95 km/h, 3 minutes from minute 5 of each cycle);
//   蒙B23456 leaves its route (3 km sideways from minute 10, back by minute 22);
//   蒙B34567 goes silent (reports nothing from minute 15 for 6 minutes).

export const REPORT_EVERY_S = 5;
const CYCLE_S = 30 * 60;
const CYCLES = 48; // one day of windows; the vehicles keep driving without behaviours after that

const repeated = (atS: number, durationS: number): BehaviourWindow[] => Array.from({ length: CYCLES }, (_, k) => ({ atS: atS + k * CYCLE_S, durationS }));

export const DEMO_TRAFFIC: (SimulatedTerminalSpec & { behaviours: WalkerBehaviours })[] = [
  { phone: '013800000001', plate: '蒙B12345', behaviours: { overspeed: repeated(5 * 60, 3 * 60).map((w) => ({ ...w, kmh: 95 })) } },
  { phone: '013800000002', plate: '蒙B23456', behaviours: { deviate: { atS: 10 * 60, durationS: 12 * 60, km: 3 } } },
  { phone: '013800000003', plate: '蒙B34567', behaviours: { silent: repeated(15 * 60, 6 * 60) } },
];

export type DemoTraffic = { stop: () => Promise<SimulationStats | undefined> };

// Starts the simulation once the JT/T 808 server listens; stop() ends it (terminals disconnect cleanly) and resolves
// with its figures. Failures are logged, never thrown: the demo server keeps running without traffic.
export function startDemoTraffic(app: INestApplicationContext, host = '127.0.0.1'): DemoTraffic {
  const logger = new Logger('DemoTraffic');
  const port = app.get(TerminalServer, { strict: false }).port;
  if (!port) {
    logger.warn('JT/T 808 server not listening in this process: no demo traffic');
    return { stop: async () => undefined };
  }
  const abort = new AbortController();
  const run = runSimulation({
    host,
    port,
    terminals: DEMO_TRAFFIC,
    ratePerTerminal: 1 / REPORT_EVERY_S,
    durationS: Infinity,
    route: SIMULATOR_ROUTES.demo!,
    atEnd: 'reverse',
    signal: abort.signal,
    progressIntervalMs: 60_000,
    onProgress: (p) => {
      if (p.phase === 'report') logger.log(`demo traffic: ${p.online}/${p.terminals} terminals online, ${p.acked} positions acknowledged`);
    },
  }).then(
    (stats) => {
      if (Object.keys(stats.setupFailures).length) logger.warn(`demo terminals refused: ${JSON.stringify(stats.setupFailures)}`);
      return stats;
    },
    (e: Error) => {
      logger.error(`demo traffic failed: ${e.message}`);
      return undefined;
    },
  );
  logger.log(`demo traffic: ${DEMO_TRAFFIC.map((t) => t.plate).join(', ')} report every ${REPORT_EVERY_S} s on the demo route (JT/T 808 port ${port})`);
  return {
    stop: () => {
      abort.abort();
      return run;
    },
  };
}
