import { deniedResolution, isDeniedAddress, webhookHostProblem } from './webhook-address.rules.js';

const strict = { allowPrivate: false, allowedHosts: [] as string[] };

describe('isDeniedAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '[::1]'])(
    'should deny %s',
    (ip) => expect(isDeniedAddress(ip)).toBe(true),
  );

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2400:3200::1', '::ffff:8.8.8.8'])('should allow %s', (ip) => expect(isDeniedAddress(ip)).toBe(false));
});

describe('webhookHostProblem', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://api.localhost/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[::ffff:10.0.0.1]/hook',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://intranet/hook',
    'http://2130706433/hook', // 127.0.0.1 written as a number: the URL parser normalises it
    'http://0x7f.1/hook',
  ])('should refuse %s', (url) => expect(webhookHostProblem(url, strict)).not.toBeNull());

  it.each(['https://hooks.example.com/hazway', 'http://8.8.8.8/hook', 'https://[2400:3200::1]/hook'])('should accept %s', (url) => expect(webhookHostProblem(url, strict)).toBeNull());

  it('should accept anything when private addresses are allowed, and a listed host', () => {
    expect(webhookHostProblem('http://127.0.0.1:9/x', { allowPrivate: true, allowedHosts: [] })).toBeNull();
    expect(webhookHostProblem('http://receiver.internal/x', { allowPrivate: false, allowedHosts: ['receiver.internal'] })).toBeNull();
  });
});

describe('deniedResolution', () => {
  it('should refuse a public name that resolves to a private address (DNS rebinding)', () => {
    expect(deniedResolution('hooks.example.com', ['93.184.216.34', '10.0.0.5'], strict)).toMatch(/10\.0\.0\.5/);
    expect(deniedResolution('hooks.example.com', ['93.184.216.34'], strict)).toBeNull();
  });
});
