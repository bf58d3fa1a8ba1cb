import type { Jt808Message, Jt808Position } from '../terminal/jt808/jt808.decoder.js';
import { FakeJt808Platform } from './fake-jt808-platform.js';
import { distanceToRouteM, prepareRoute } from './route-walker.js';
import { simulatedFleet } from './simulator.fleet.js';
import { SIMULATOR_ROUTES } from './simulator.routes.js';
import { MAX_BATCH_SIZE, runSimulation, type SimulationOptions, type SimulationProgress } from './simulator.js';

const route = SIMULATOR_ROUTES.demo!;
const prepared = prepareRoute(route);

const positionsOf = (messages: Jt808Message[]) => {
  const byPhone = new Map<string, Jt808Position[]>();
  for (const m of messages) {
    const ps = m.kind === 'location' ? [m.body] : m.kind === 'batchLocation' ? m.body.positions : [];
    for (const p of ps) byPhone.set(m.header.phone, [...(byPhone.get(m.header.phone) ?? []), p]);
  }
  return byPhone;
};

describe(runSimulation.name, () => {
  let platform: FakeJt808Platform;

  afterEach(async () => {
    await platform?.stop();
  });

  const run = async (over: Partial<SimulationOptions> & Pick<SimulationOptions, 'terminals'>) => {
    return runSimulation({ host: '127.0.0.1', port: platform.port, ratePerTerminal: 10, durationS: 1.5, route, ...over });
  };

  it('should register N terminals and report at the set rate, all acknowledged', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const progress: SimulationProgress[] = [];
    const stats = await run({ terminals: simulatedFleet({ count: 20 }), progressIntervalMs: 500, onProgress: (p) => progress.push(p) });

    expect(stats).toMatchObject({ terminals: 20, online: 20, setupFailures: {}, failed: 0, timedOut: 0, aborted: 0, throttled: 0 });
    // 20 terminals × 10/s × 1.5 s is at most 300 (give or take a slot at each end). A busy machine makes the
    // simulator skip slots (counted as missed), never send faster: only the upper bound is exact, and what was not
    // sent was missed.
    expect(stats.sent).toBeGreaterThanOrEqual(20);
    expect(stats.sent).toBeLessThanOrEqual(320);
    expect(stats.sent + stats.missed).toBeGreaterThanOrEqual(280);
    expect(stats.acked).toBe(stats.sent);
    expect(stats.positionsPerSecond).toBeLessThanOrEqual(215);
    expect(stats.latencyMs.count).toBe(stats.sent);
    expect(stats.latencyMs.p50).toBeGreaterThan(0);
    expect(stats.latencyMs.p99).toBeGreaterThanOrEqual(stats.latencyMs.p50);
    expect(Object.keys(stats.authCodes)).toHaveLength(20);
    expect(stats.authCodes['013800000001']).toBe('AC013800000001');
    expect(platform.count(0x0100)).toBe(20);
    expect(platform.count(0x0102)).toBe(20);
    expect(progress.some((p) => p.phase === 'report' && p.acked > 0)).toBe(true);

    // Above 1/s fix times advance one second per position (distinct for the platform) and end about now.
    const tracks = positionsOf(platform.received);
    expect(tracks.size).toBe(20);
    for (const track of tracks.values()) {
      const times = track.map((p) => p.time!.getTime());
      // One second per slot; a slot the busy machine skipped (missed) leaves its second out.
      times.slice(1).forEach((t, i) => {
        expect(t - times[i]!).toBeGreaterThan(0);
        expect((t - times[i]!) % 1000).toBe(0);
      });
      expect(Math.abs(times.at(-1)! - Date.now())).toBeLessThan(5_000);
      for (const p of track) expect(distanceToRouteM(prepared, p.latitude, p.longitude)).toBeLessThan(1);
    }
  });

  it('should set the warm-up apart: its acks and latencies in `warmup`, rate and latency of the measured time only', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    let measureCalls = 0;
    let ackedAtMeasure = -1;
    const stats = await run({
      terminals: simulatedFleet({ count: 10 }),
      warmupS: 0.8,
      durationS: 1,
      progressIntervalMs: 100,
      onProgress: (p) => {
        if (measureCalls === 0) ackedAtMeasure = p.acked;
      },
      onMeasure: () => measureCalls++,
    });

    expect(measureCalls).toBe(1);
    expect(stats.failed).toBe(0);
    expect(stats.acked).toBe(stats.sent);
    expect(stats.warmup).not.toBeNull();
    const warmup = stats.warmup!;
    expect(warmup.durationS).toBeGreaterThanOrEqual(0.8);
    expect(warmup.acked).toBeGreaterThan(0);
    expect(warmup.acked).toBeGreaterThanOrEqual(ackedAtMeasure);
    expect(warmup.latencyMs.count).toBe(warmup.acked);
    // Every ack is counted once: in the warm-up or in the measured time.
    expect(warmup.latencyMs.count + stats.latencyMs.count).toBe(stats.acked);
    expect(stats.latencyMs.count).toBeGreaterThan(0);
    // 10 terminals × 10/s: the measured rate is of the measured second (at most 100/s, a slot at each end aside), not
    // of everything acked over it.
    expect(stats.positionsPerSecond).toBeLessThanOrEqual(120);
    expect(stats.positionsPerSecond).toBeGreaterThan(0);
    expect(stats.durationS).toBeLessThan(1.5);
    // Reporting ran for the warm-up and the measured time: about 10 × 10 × 1.8 slots.
    expect(stats.sent + stats.missed).toBeGreaterThanOrEqual(160);
  });

  it('should call onMeasure once, before anything is sent, without a warm-up, and leave `warmup` null', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const sentAtMeasure: number[] = [];
    let sent = 0;
    const stats = await run({
      terminals: simulatedFleet({ count: 5 }),
      durationS: 0.5,
      onTerminal: (t) => {
        const sendLocation = t.sendLocation.bind(t);
        t.sendLocation = (p) => {
          sent++;
          return sendLocation(p);
        };
      },
      onMeasure: () => sentAtMeasure.push(sent),
    });
    expect(sentAtMeasure).toEqual([0]);
    expect(sent).toBeGreaterThan(0);
    expect(stats.warmup).toBeNull();
    expect(stats.latencyMs.count).toBe(stats.acked);
  });

  it('should keep a steady schedule: even sends per terminal, no bursts', async () => {
    const arrivals: number[] = [];
    const answer = (m: Jt808Message) => {
      if (m.kind === 'location' && m.header.phone === '013800000003') arrivals.push(Date.now());
      return undefined;
    };
    platform = new FakeJt808Platform({ answer });
    await platform.start();
    await run({ terminals: simulatedFleet({ count: 10 }), ratePerTerminal: 20, durationS: 1 });
    // Never more than the rate (1 s × 20/s), whatever the machine's load; a busy machine may make it skip slots.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals.length).toBeLessThanOrEqual(20);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // At least 50 ms apart on average (a little less at the ends), and hardly ever two together (a stalled event
    // loop on either side may bunch a few). No upper bound: skipped slots make gaps longer.
    expect(gaps.reduce((a, b) => a + b, 0) / gaps.length).toBeGreaterThan(40);
    expect(gaps.filter((g) => g < 15).length).toBeLessThanOrEqual(Math.max(3, Math.floor(gaps.length / 4)));
  });

  it('should authenticate directly with known auth codes and fall back to registering a refused one', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const terminals = simulatedFleet({ count: 4 }).map((t, i) => ({ ...t, authCode: i === 3 ? 'STALE' : `AC${t.phone}` }));
    const stats = await run({ terminals, durationS: 0.3 });
    expect(stats.online).toBe(4);
    expect(platform.count(0x0100)).toBe(1);
    expect(platform.count(0x0102)).toBe(5);
    expect(stats.authCodes[terminals[3]!.phone]).toBe(`AC${terminals[3]!.phone}`);
  });

  it('should report terminals the platform does not know, and run the others', async () => {
    const fleet = simulatedFleet({ count: 6 });
    platform = new FakeJt808Platform({ knownPhones: new Set(fleet.slice(0, 4).map((t) => t.phone)) });
    await platform.start();
    const stats = await run({ terminals: fleet, durationS: 0.5, ratePerTerminal: 4 });
    expect(stats.setupFailures).toEqual({ 'REGISTER_REFUSED:4': 2 });
    expect(stats.online).toBe(4);
    expect(stats.targetPositionsPerSecond).toBe(16);
    expect(stats.failed).toBe(0);
    expect(new Set(positionsOf(platform.received).keys())).toEqual(new Set(fleet.slice(0, 4).map((t) => t.phone)));
  });

  it('should send 0x0704 batches at rate / batch size', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const stats = await run({ terminals: simulatedFleet({ count: 5 }), ratePerTerminal: 20, durationS: 1, batchSize: 5 });
    expect(stats.sent).toBeGreaterThanOrEqual(90);
    expect(stats.messagesSent * 5).toBe(stats.sent);
    expect(stats.acked).toBe(stats.sent);
    expect(platform.count(0x0704)).toBe(stats.messagesSent);
    expect(platform.count(0x0200)).toBe(0);
    await expect(run({ terminals: simulatedFleet({ count: 1 }), batchSize: MAX_BATCH_SIZE + 1 })).rejects.toThrow(RangeError);
  });

  it('should reconnect and re-authenticate when the platform drops the connections', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    setTimeout(() => platform.dropAll(), 600);
    const stats = await run({ terminals: simulatedFleet({ count: 5 }), ratePerTerminal: 10, durationS: 2.5 });
    expect(stats.disconnects).toBe(5);
    expect(stats.reconnects).toBe(5);
    expect(stats.online).toBe(5);
    expect(platform.count(0x0102)).toBe(10);
    expect(stats.missed).toBeGreaterThan(0);
    // Positions keep coming after the reconnect; those lost with the connection are counted, not hidden.
    expect(stats.acked + stats.aborted).toBe(stats.sent);
    expect(stats.acked).toBeGreaterThan(60);
  });

  it('should count nacks and timeouts as failures', async () => {
    platform = new FakeJt808Platform({ answer: (m) => (m.kind !== 'location' ? undefined : m.header.serial % 3 === 0 ? 'ignore' : m.header.serial % 3 === 1 ? 1 : 0) });
    await platform.start();
    const stats = await run({ terminals: simulatedFleet({ count: 3 }), durationS: 0.6, replyTimeoutMs: 200 });
    expect(stats.nacked).toBeGreaterThan(0);
    expect(stats.timedOut).toBeGreaterThan(0);
    expect(stats.acked + stats.nacked + stats.timedOut).toBe(stats.sent);
    expect(stats.failed).toBe(stats.nacked + stats.timedOut);
  });

  it('should stop early when aborted and still return the figures', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const started = Date.now();
    const stats = await run({ terminals: simulatedFleet({ count: 3 }), durationS: 60, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stats.acked).toBeGreaterThan(0);
  });

  it('should apply behaviours per terminal: a silent one stops reporting', async () => {
    platform = new FakeJt808Platform();
    await platform.start();
    const fleet = simulatedFleet({ count: 2 });
    fleet[0]!.behaviours = { silent: { atS: 3 } };
    const stats = await run({ terminals: fleet, durationS: 1, ratePerTerminal: 10 });
    const tracks = positionsOf(platform.received);
    expect(tracks.get(fleet[0]!.phone)).toHaveLength(3);
    expect(tracks.get(fleet[1]!.phone)!.length).toBeGreaterThanOrEqual(9);
    expect(stats.silent).toBeGreaterThan(0);
  });
});
