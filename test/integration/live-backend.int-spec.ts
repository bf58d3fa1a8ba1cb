import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { LiveBackend } from '../../src/live/live.backend.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';

// The live fan-out's Redis clients at shutdown: both end, and nothing is left that keeps the process alive. (Calling
// ioredis's disconnect() on a client that quit had already ended armed a 2 s timer waiting for a 'close' that had
// happened: every process, and every Jest worker, stayed up 2 s after its shutdown.)
describeWithRedis('LiveBackend shutdown (Redis)', () => {
  it('should end both clients and leave no timer holding the process', async () => {
    const backend = await LiveBackend.connect(redisUrl!, `hz-test-${randomBytes(3).toString('hex')}`);
    expect(backend.redisStatus()).toEqual({ publisher: 'ready', subscriber: 'ready' });

    // Timers of a second or more created during the shutdown, until they fire or are cleared.
    const pending = new Map<NodeJS.Timeout, number>();
    const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const h: NodeJS.Timeout = realSet(() => {
        pending.delete(h);
        fn(...args);
      }, ms);
      if ((ms ?? 0) >= 1000) pending.set(h, ms!);
      return h;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((h: NodeJS.Timeout) => {
      pending.delete(h);
      realClear(h);
    }) as typeof clearTimeout;
    try {
      await backend.onApplicationShutdown();
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }

    expect(backend.redisStatus()).toEqual({ publisher: 'end', subscriber: 'end' });
    const holding = [...pending].filter(([h]) => h.hasRef()).map(([, ms]) => ms);
    for (const [h] of pending) realClear(h);
    expect(holding).toEqual([]);
  });
});

// LiveBackend.channel: Hazway's own pub/sub between processes (live positions). Two backends on one key stand for
// two processes.
describeWithRedis('LiveBackend.channel (Redis)', () => {
  const key = `hz-test-${randomBytes(3).toString('hex')}`;
  let a: LiveBackend;
  let b: LiveBackend;
  beforeAll(async () => {
    [a, b] = await Promise.all([LiveBackend.connect(redisUrl!, key), LiveBackend.connect(redisUrl!, key)]);
  });
  afterAll(async () => {
    await Promise.all([a?.onApplicationShutdown(), b?.onApplicationShutdown()]);
  });

  // Everything `backend` hears on `name` from now on.
  const heard = (backend: LiveBackend, name: string) => {
    const got: unknown[] = [];
    const channel = backend.channel(name)!;
    channel.listen((p) => got.push(p));
    return { got, channel };
  };
  const waitFor = async (check: () => boolean) => {
    const until = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > until) throw new Error('not heard within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("should deliver a process's messages to the others, not back to itself", async () => {
    const atA = heard(a, 'positions');
    const atB = heard(b, 'positions');
    await new Promise((r) => setTimeout(r, 100)); // both SUBSCRIBEs through
    a.channel('positions')!.publish([{ n: 1 }]);
    b.channel('positions')!.publish([{ n: 2 }]);
    await waitFor(() => atA.got.length > 0 && atB.got.length > 0);
    // Another round trip each, so that anything wrongly delivered to its sender has arrived too.
    a.channel('positions')!.publish('end');
    b.channel('positions')!.publish('end');
    await waitFor(() => atA.got.length > 1 && atB.got.length > 1);
    expect(atB.got).toEqual([[{ n: 1 }], 'end']);
    expect(atA.got).toEqual([[{ n: 2 }], 'end']);
    atA.channel.listen(null);
    atB.channel.listen(null);
  });

  it('should hear nothing after listen(null), and nothing of other channels', async () => {
    const atB = heard(b, 'one');
    const other = heard(b, 'two');
    await new Promise((r) => setTimeout(r, 100));
    atB.channel.listen(null);
    await new Promise((r) => setTimeout(r, 100)); // the UNSUBSCRIBE through
    a.channel('one')!.publish('after');
    a.channel('two')!.publish('two');
    await waitFor(() => other.got.length > 0);
    expect(atB.got).toEqual([]);
    expect(other.got).toEqual(['two']);
    other.channel.listen(null);
  });

  it('should stop publishing while no other process listens, and start again when one announces itself', async () => {
    const channel = a.channel('quiet')!;
    expect(channel.othersListening()).toBe(true); // nothing known yet
    channel.publish('to nobody'); // answered by Redis: no subscriber
    await waitFor(() => !channel.othersListening());
    // b listens: its SUBSCRIBE, then its hello, which a hears.
    const atB = heard(b, 'quiet');
    await waitFor(() => channel.othersListening());
    channel.publish('first');
    await waitFor(() => atB.got.length > 0);
    expect(atB.got).toEqual(['first']);
    // b stops listening: the next publish reaches nobody, and a stops again.
    atB.channel.listen(null);
    await new Promise((r) => setTimeout(r, 100)); // the UNSUBSCRIBE through
    channel.publish('gone');
    await waitFor(() => !channel.othersListening());
  });

  it('should count its own subscription out: a process listening alone publishes nothing', async () => {
    const atA = heard(a, 'alone');
    await new Promise((r) => setTimeout(r, 100));
    atA.channel.publish('self');
    await waitFor(() => !atA.channel.othersListening());
    expect(atA.got).toEqual([]);
    atA.channel.listen(null);
  });

  it('should ask again after PROBE_MS when an announcement was missed', async () => {
    const channel = a.channel('probe')!;
    channel.publish('to nobody');
    await waitFor(() => !channel.othersListening());
    // A listener that never announced itself (a raw subscriber, as a process whose hello was lost).
    const raw = new Redis(redisUrl!);
    const got: string[] = [];
    raw.on('message', (_c: string, m: string) => got.push(m.slice(m.indexOf('\n') + 1)));
    await raw.subscribe(`${key}:probe`);
    channel.publish('skipped'); // within PROBE_MS of the last answer: not sent
    expect(channel.othersListening()).toBe(false);
    await waitFor(() => channel.othersListening()); // the probe is due
    channel.publish('probe');
    await waitFor(() => got.length > 0);
    expect(got).toEqual(['"probe"']);
    raw.disconnect();
  });
});

describe('LiveBackend.channel without Redis', () => {
  it('should be null: one process has nobody to tell', () => {
    expect(LiveBackend.memory().channel('positions')).toBeNull();
  });
});
