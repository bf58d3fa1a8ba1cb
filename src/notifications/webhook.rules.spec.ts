import { createHmac } from 'node:crypto';
import { endpointWants, isSuccess, retryDelay, signDelivery, verifyDelivery } from './webhook.rules.js';

describe('signDelivery', () => {
  const body = JSON.stringify({ title: '证件即将到期：蒙B12345 道路运输证 7天后到期' });

  it('should be the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret', () => {
    const expected = createHmac('sha256', 'whsec_test').update(Buffer.from(`1767225600.${body}`, 'utf8')).digest('hex');
    expect(signDelivery('whsec_test', '1767225600', body)).toBe(`sha256=${expected}`);
  });

  it('should give the same signature for the body as a string or as its UTF-8 bytes', () => {
    expect(signDelivery('s', '1', Buffer.from(body, 'utf8'))).toBe(signDelivery('s', '1', body));
  });

  it('should change with the timestamp, so a replay with a fresh timestamp fails', () => {
    expect(signDelivery('s', '1', body)).not.toBe(signDelivery('s', '2', body));
  });
});

describe('verifyDelivery', () => {
  const body = '{"a":1}';
  const now = 1_767_225_600;
  const headers = (timestamp: string, secret = 's') => ({ timestamp, signature: signDelivery(secret, timestamp, body) });

  it('should accept a fresh, correctly signed body', () => {
    expect(verifyDelivery('s', headers(String(now)), body, now)).toBe(true);
  });

  it('should refuse another secret, a changed body, a stale timestamp and missing headers', () => {
    expect(verifyDelivery('s', headers(String(now), 'other'), body, now)).toBe(false);
    expect(verifyDelivery('s', headers(String(now)), '{"a":2}', now)).toBe(false);
    expect(verifyDelivery('s', headers(String(now - 301)), body, now)).toBe(false);
    expect(verifyDelivery('s', {}, body, now)).toBe(false);
  });
});

describe('retryDelay', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [7, 30_000 * 64],
  ])('should wait base * 2^(n-1) after failed attempt %i', (n, ms) => {
    expect(retryDelay(30_000, n)).toBe(ms);
  });
});

describe('endpointWants', () => {
  it('should deliver every kind to an endpoint without kinds, and only listed kinds otherwise', () => {
    expect(endpointWants([], 'certificate.expiring')).toBe(true);
    expect(endpointWants(['certificate.expiring'], 'certificate.expiring')).toBe(true);
    expect(endpointWants(['alarm.raised'], 'certificate.expiring')).toBe(false);
  });
});

describe('isSuccess', () => {
  it.each([
    [200, true],
    [204, true],
    [299, true],
    [301, false],
    [500, false],
  ])('should treat %i as success: %s', (status, ok) => {
    expect(isSuccess(status)).toBe(ok);
  });
});
