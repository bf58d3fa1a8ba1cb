import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { deniedResolution, webhookHostProblem, type WebhookAddressPolicy } from './webhook-address.rules.js';

export class WebhookAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_FORBIDDEN';
}

// DNS resolution that refuses denied addresses, used by the connection itself: the address checked is the address
// connected to, so a name that resolves to a public address when the webhook is registered and to 127.0.0.1 when a
// delivery goes out (DNS rebinding) is refused too.
export function guardedLookup(policy: WebhookAddressPolicy): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const problem = deniedResolution(hostname, addresses.map((a) => a.address), policy);
      if (problem) return callback(new WebhookAddressError(problem), '');
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

// One POST of a webhook delivery: no redirect followed, the answer's body discarded, the whole exchange bounded by
// `timeoutMs` (an AbortError past it). Throws WebhookAddressError for a URL the policy refuses.
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; policy: WebhookAddressPolicy },
): Promise<{ status: number; statusText: string }> {
  const problem = webhookHostProblem(url, opts.policy);
  if (problem) return Promise.reject(new WebhookAddressError(problem));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(opts.policy),
        signal: AbortSignal.timeout(opts.timeoutMs),
        agent: false,
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
