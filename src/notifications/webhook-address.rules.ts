import { BlockList, isIP } from 'node:net';

// Where webhooks may not go (server-side request forgery): an organisation's admin names the URL and Hazway POSTs to
// it from inside the operator's network, so an address that only makes sense from there (loopback, private
// networks, link-local such as the cloud metadata service 169.254.169.254, carrier-grade NAT, multicast, reserved
// ranges) would let a tenant probe or call internal services. Refused unless WEBHOOK_ALLOW_PRIVATE=true (tests,
// a receiver on the same host) or the host is listed in WEBHOOK_ALLOWED_HOSTS. Ranges: RFC 6890 special-purpose
// registries (IPv4 and IPv6).
const DENIED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  DENIED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  DENIED.addSubnet(net, prefix, 'ipv6');
}

export type WebhookAddressPolicy = { allowPrivate: boolean; allowedHosts: readonly string[] };

const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

// An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
function mappedIPv4(address: string): string | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : null;
}

export function isDeniedAddress(address: string): boolean {
  const ip = unbracket(address);
  const v4 = mappedIPv4(ip);
  if (v4) return DENIED.check(v4, 'ipv4');
  const family = isIP(ip);
  if (family === 4) return DENIED.check(ip, 'ipv4');
  if (family === 6) return DENIED.check(ip, 'ipv6');
  return false;
}

// Names that resolve inside the operator's network whatever DNS says.
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

// What is wrong with a webhook URL's host before anything is resolved (null: nothing yet; its addresses are checked
// again when a delivery connects, see webhook-http.ts).
export function webhookHostProblem(url: string, policy: WebhookAddressPolicy): string | null {
  if (policy.allowPrivate) return null;
  let host: string;
  try {
    host = unbracket(new URL(url).hostname);
  } catch {
    return 'not a URL';
  }
  if (policy.allowedHosts.includes(host)) return null;
  if (isIP(host) || mappedIPv4(host)) return isDeniedAddress(host) ? `${host} is a loopback, private, link-local or reserved address` : null;
  if (LOCAL_NAMES.test(host) || !host.includes('.')) return `${host} is a local host name`;
  return null;
}

// For the resolved addresses of a host when a delivery connects.
export function deniedResolution(host: string, addresses: readonly string[], policy: WebhookAddressPolicy): string | null {
  if (policy.allowPrivate || policy.allowedHosts.includes(unbracket(host))) return null;
  const bad = addresses.find(isDeniedAddress);
  return bad ? `${host} resolves to ${bad}, a loopback, private, link-local or reserved address` : null;
}
