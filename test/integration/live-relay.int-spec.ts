import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Server, type Namespace } from 'socket.io';
import { LiveBackend } from '../../src/live/live.backend.js';
import { LiveService, RELAY_MS } from '../../src/live/live.service.js';
import type { HealthService } from '../../src/ops/health.service.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';

// LiveService between processes: what it publishes to Redis for its emits, watched with MONITOR (which, unlike a
// subscriber, is not counted by PUBLISH, so it does not change whether anybody listens). Two LiveServices on one
// key stand for two processes; delivery to real clients is in test/e2e/live.e2e-spec.ts.
describeWithRedis('LiveService relay between processes (Redis)', () => {
  const key = `hz-test-${randomBytes(3).toString('hex')}`;
  const health = { register: () => undefined } as unknown as HealthService;
  let a: LiveBackend;
  let b: LiveBackend;
  let client: Redis;
  let monitor: Redis;
  const published: string[] = [];

  const service = (backend: LiveBackend) => {
    const s = new LiveService(backend, health);
    // No HTTP server behind it (nothing to close): emits reach no socket, only the relay.
    s.attach(new Server().of('/watch') as unknown as Namespace);
    return s;
  };
  const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
  const waitFor = async (check: () => boolean) => {
    const until = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > until) throw new Error('not seen within 5 s');
      await settle(20);
    }
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([LiveBackend.connect(redisUrl!, key), LiveBackend.connect(redisUrl!, key)]);
    client = new Redis(redisUrl!);
    monitor = await client.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'publish' && args[1] === `${key}:events`) published.push(args[2]!);
    });
  });
  afterAll(async () => {
    monitor?.disconnect();
    client?.disconnect();
    await Promise.all([a?.onApplicationShutdown(), b?.onApplicationShutdown()]);
  });

  it('should publish nothing more once a publish reached no other process, and relay again once one listens', async () => {
    const atA = service(a);
    const atB = service(b);
    // Nobody else listens yet: at most the one publish that finds that out.
    atA.emit(['org:x'], 'waybill', { n: 1 });
    await waitFor(() => published.length === 1);
    await settle();
    atA.emit(['org:x'], 'waybill', { n: 2 });
    atA.emit(['org:x'], 'waybill', { n: 3 });
    await settle(RELAY_MS + 200);
    expect(published).toHaveLength(1);

    // B gets a watcher: its handshake waits until B hears the channel and has said so.
    await atB.listening();
    await settle(); // B's hello reaching A
    atA.emit(['org:x', 'region:15'], 'waybill', { n: 4, at: new Date('2026-11-30T01:00:00Z') });
    atA.emit(['org:y'], 'alarms', [{ id: 'a1' }]);
    await waitFor(() => published.length === 2);
    await settle(RELAY_MS + 100);
    // Both emits of the interval in one message, as JSON after the sender's id.
    expect(published).toHaveLength(2);
    // MONITOR shows the newline after the id escaped.
    const body = published[1]!.replace(/^[0-9a-f]+(\n|\\n)/, '');
    expect(JSON.parse(body)).toEqual([
      [['org:x', 'region:15'], 'waybill', { n: 4, at: '2026-11-30T01:00:00.000Z' }],
      [['org:y'], 'alarms', [{ id: 'a1' }]],
    ]);
  });

  it('should publish nothing for an emit to no room', async () => {
    const before = published.length;
    service(a).emit([], 'waybill', { n: 5 });
    await settle(RELAY_MS + 150);
    expect(published.length).toBe(before);
  });
});
