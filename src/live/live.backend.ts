import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';

export type LiveAdapterKind = 'redis' | 'memory';
// A Redis pub/sub channel of Hazway's own between processes (LiveBackend.channel).
export type LiveChannel = {
  // To the other processes listening; skipped while none is (see othersListening).
  publish(payload: unknown): void;
  // Whether a publish now may reach another process: false when the last one reached nobody else and none has
  // announced itself since, until a probe is due (PROBE_MS). A publisher can then skip building the message.
  othersListening(): boolean;
  // Starts (or stops, with null) hearing what the other processes publish; this process's own messages are skipped.
  // Resolves once this process is subscribed and has announced itself (at once when nothing changed and no
  // subscription is under way), so that a caller can wait before it tells a client it is connected.
  listen(handler: ((payload: unknown) => void) | null): Promise<void>;
};

export type LiveCheck = { status: 'up' | 'down'; adapter: LiveAdapterKind; error?: string };

const CONNECT_TIMEOUT_MS = 10_000;
// While nobody else listens on a channel, one publish in this interval goes out anyway and asks Redis again (a
// listener whose announcement was lost is then heard from within this time).
export const PROBE_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;

// Commands the redis adapter sends without awaiting or catching them. With ioredis each returns a promise
// that rejects while Redis is away or after quit ("Connection is closed"); unhandled, such a rejection ends
// the process (see socketio/socket.io-redis-emitter#139 for the same pattern). These get a catch.
const FIRE_AND_FORGET = new Set(['publish', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe']);

function withCaughtRejections(client: Redis, onError: (e: Error) => void): Redis {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      if (typeof prop === 'string' && FIRE_AND_FORGET.has(prop)) {
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) result.catch(onError);
          return result;
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

const redact = (url: string) => url.replace(/\/\/([^@/]*)@/, '//***@');

// Where live events travel between processes: nowhere (in-memory socket.io adapter, one process) or Redis
// pub/sub (@socket.io/redis-adapter, any number of api/ingest processes). DESIGN.md "Storage and infrastructure".
export class LiveBackend implements OnApplicationShutdown {
  private readonly logger = new Logger('Live');
  // This process, in messages on its own channels.
  private readonly id = randomBytes(8).toString('hex');
  private readonly idBytes = Buffer.from(this.id);
  private readonly channels = new Map<string, LiveChannel>();
  // One warning per outage, not one per position published while Redis is away.
  private outage = false;

  private constructor(
    readonly kind: LiveAdapterKind,
    private readonly redis?: { pub: Redis; sub: Redis; key: string },
  ) {}

  static memory(): LiveBackend {
    return new LiveBackend('memory');
  }

  // Both clients are connected before the app goes on, so that a wrong REDIS_URL stops the boot with a clear
  // message instead of leaving a process that silently fans out to itself only.
  static async connect(url: string, key: string): Promise<LiveBackend> {
    // The publisher does not queue while Redis is away: a live position delivered minutes late is worse than
    // one not delivered, and the queue would grow without bound.
    const pub = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, connectionName: 'hazway-live-pub', connectTimeout: CONNECT_TIMEOUT_MS });
    const sub = pub.duplicate({ enableOfflineQueue: true, connectionName: 'hazway-live-sub' });
    const backend = new LiveBackend('redis', { pub, sub, key });
    let connected = false;
    let firstError: Error | undefined;
    for (const [name, client] of [['publisher', pub], ['subscriber', sub]] as const) {
      client.on('error', (e: Error) => (connected ? backend.warnOnce(`Redis ${name}: ${e.message}`) : (firstError ??= e)));
      client.on('ready', () => backend.recovered());
    }
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      connected = true;
    } catch (e) {
      pub.disconnect();
      sub.disconnect();
      throw new Error(`live fan-out: cannot connect to Redis at ${redact(url)}: ${(firstError ?? (e as Error)).message}`);
    }
    return backend;
  }

  // The socket.io adapter constructor for new Server({ adapter }); undefined keeps socket.io's in-memory one.
  adapterFactory(): ReturnType<typeof createAdapter> | undefined {
    if (!this.redis) return undefined;
    const onError = (e: Error) => this.warnOnce(`Redis command failed: ${e.message}`);
    const { pub, sub, key } = this.redis;
    return createAdapter(withCaughtRejections(pub, onError), withCaughtRejections(sub, onError), { key });
  }

  // For traffic too heavy for the socket.io adapter's serverSideEmit, which every process decodes, the sender
  // included (it checks the sender after parsing): a message here starts with the sending process's id, so the
  // sender skips its own without parsing them, and a process subscribes only while it has a use for them
  // (listen(null) unsubscribes). null with the in-memory adapter (one process: nobody to tell).
  // Nor is anything sent while no other process listens: PUBLISH answers how many subscribers got the message, and
  // when that was nobody but this process, publishing stops until another process announces itself (it publishes
  // its id on "<channel>:hello" once its SUBSCRIBE is through) or for PROBE_MS, after which one publish asks again.
  // A single app process with Redis (for its queues) then serialises no live positions for nobody.
  channel(name: string): LiveChannel | null {
    if (!this.redis) return null;
    const existing = this.channels.get(name);
    if (existing) return existing;
    const { pub, sub, key } = this.redis;
    const channel = `${key}:${name}`; // not under the adapter's "<key>#" channels
    const channelBytes = Buffer.from(channel);
    const hello = `${channel}:hello`;
    const helloBytes = Buffer.from(hello);
    const prefix = Buffer.from(`${this.id}\n`);
    const onError = (e: Error) => this.warnOnce(`Redis command failed: ${e.message}`);
    let handler: ((payload: unknown) => void) | null = null;
    let subscribed = false; // this process's own subscription, which PUBLISH counts too
    let others = true; // until a publish reaches nobody else
    let probeAt = 0;
    let announcements = 0; // hellos heard: a publish answered from before one says nothing about the newcomer
    let subscribing: Promise<void> = Promise.resolve(); // the last listen()'s SUBSCRIBE and hello
    const onMessage = (from: Buffer, message: Buffer) => {
      if (from.equals(helloBytes)) {
        if (!message.equals(this.idBytes)) {
          announcements++;
          others = true;
        }
        return;
      }
      if (!handler || !from.equals(channelBytes)) return;
      if (message.length >= prefix.length && message.subarray(0, prefix.length).equals(prefix)) return;
      const text = message.toString('utf8');
      try {
        handler(JSON.parse(text.slice(text.indexOf('\n') + 1)));
      } catch (e) {
        this.logger.warn(`unreadable message on ${channel}: ${(e as Error).message}`);
      }
    };
    sub.on('messageBuffer', onMessage);
    sub.subscribe(hello).catch(onError);
    const othersListening = () => others || Date.now() >= probeAt;
    const ch: LiveChannel = {
      othersListening,
      publish: (payload) => {
        if (!othersListening()) return;
        const heard = announcements;
        pub
          .publish(channel, `${this.id}\n${JSON.stringify(payload)}`)
          .then((receivers) => {
            if (receivers - (subscribed ? 1 : 0) > 0 || heard !== announcements) return;
            others = false;
            probeAt = Date.now() + PROBE_MS;
          })
          .catch(onError);
      },
      listen: (next) => {
        const was = handler;
        handler = next;
        if (next && !was) {
          subscribing = sub
            .subscribe(channel)
            .then(async () => {
              subscribed = handler !== null;
              if (subscribed) await pub.publish(hello, this.idBytes);
            })
            .catch(onError);
        } else if (!next && was) {
          subscribed = false;
          subscribing = Promise.resolve();
          sub.unsubscribe(channel).catch(onError);
        }
        return subscribing;
      },
    };
    this.channels.set(name, ch);
    return ch;
  }

  // ioredis connection states ('ready', 'reconnecting', 'end', ...), or null for the in-memory adapter.
  redisStatus(): { publisher: string; subscriber: string } | null {
    return this.redis ? { publisher: this.redis.pub.status, subscriber: this.redis.sub.status } : null;
  }

  async check(): Promise<LiveCheck> {
    if (!this.redis) return { status: 'up', adapter: 'memory' };
    const { publisher, subscriber } = this.redisStatus()!;
    // A subscriber that is not ready means this process hears nothing from the others, even if PING works.
    if (publisher !== 'ready' || subscriber !== 'ready') {
      return { status: 'down', adapter: 'redis', error: `Redis publisher ${publisher}, subscriber ${subscriber}` };
    }
    await this.redis.pub.ping();
    return { status: 'up', adapter: 'redis' };
  }

  // After the socket.io servers are closed (Nest closes them in dispose, before the shutdown hooks), so that
  // the adapter's last unsubscribes go out on an open connection.
  async onApplicationShutdown() {
    if (!this.redis) return;
    await Promise.all(
      [this.redis.pub, this.redis.sub].map(async (client) => {
        // quit() resolves on Redis's OK, a little before the connection has actually closed.
        const ended = new Promise<void>((resolve) => (client.status === 'end' ? resolve() : client.once('end', () => resolve())));
        client.quit().catch(() => undefined);
        await Promise.race([ended, new Promise((r) => setTimeout(r, QUIT_TIMEOUT_MS).unref())]);
        // Only when quit did not end it: on an ended client, disconnect() arms a 2 s timer (ioredis waits for a
        // 'close' that has already happened) that kept the process alive after shutdown.
        if (client.status !== 'end') client.disconnect();
      }),
    );
  }

  private warnOnce(message: string) {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(`${message} (live events reach this process only until Redis is back)`);
  }

  private recovered() {
    if (!this.outage || this.redis?.pub.status !== 'ready' || this.redis.sub.status !== 'ready') return;
    this.outage = false;
    this.logger.log('Redis is back: live events reach every process again');
  }
}
