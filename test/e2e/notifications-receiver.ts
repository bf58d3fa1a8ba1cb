import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A webhook receiver for the notification tests: a local HTTP server that records every request with its raw
// body and answers with the status `answer` picks: by the 1-based number of the request, and of the request
// for its delivery (X-Hazway-Delivery).
export type Received = { headers: http.IncomingHttpHeaders; rawBody: string; answeredWith: number };

export type Receiver = { url: string; received: Received[]; close: () => Promise<void> };

export type Answer = (r: { n: number; forDelivery: number }) => number;

export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delivery = req.headers['x-hazway-delivery'];
      const forDelivery = received.filter((r) => r.headers['x-hazway-delivery'] === delivery).length + 1;
      const status = answer({ n: received.length + 1, forDelivery });
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), answeredWith: status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/hazway`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Polls until `check` returns something other than undefined, or fails after `ms`.
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
