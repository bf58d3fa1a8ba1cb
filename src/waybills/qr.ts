import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './hash-chain.js';

// The waybill QR code (运单二维码, DOMAIN.md 1.3; "QR payload = signed {no, version, hash}", 3.1(a)). Anyone holding
// the platform's public key can check a printed or on-screen waybill offline: a loading gate without network, a
// roadside inspector. The code says which waybill, which version and which document (by hash); it carries no
// personal data, and the document itself is looked up online by number + version when there is a connection.
//
// Format: HZW1.<payload>.<signature>
//   HZW1       format and version tag; anything else that looks like HZW<n> is a future version.
//   payload    base64url (RFC 4648 §5, no padding) of the canonical JSON of { h, n, t, v } (keys sorted, no spaces).
//   signature  base64url (no padding) of the 64-byte Ed25519 signature (RFC 8032) over the ASCII bytes of the
//              payload segment exactly as printed, not over the decoded JSON, so nobody has to re-canonicalise.
// 227 characters for a 16-character number, version 1, a 32-hex-character hash and a "+08:00" time: a version 11 QR
// code at error-correction level M holds 251 bytes (a full 64-character hash needs version 12).
//
// Verifying offline with OpenSSL 3 and coreutils (public key in pub.pem, the scanned text in $QR):
//   b64u() { s=$(printf %s "$1" | tr '_-' '/+'); while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done; printf %s "$s" | base64 -d; }
//   PAYLOAD=$(printf %s "$QR" | cut -d. -f2); SIG=$(printf %s "$QR" | cut -d. -f3)
//   printf %s "$PAYLOAD" > msg; b64u "$SIG" > sig.bin
//   openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg -sigfile sig.bin   # "Signature Verified Successfully"
//   b64u "$PAYLOAD"                                                                  # {"h":…,"n":…,"t":…,"v":…}
// Any Ed25519 library does the same: verify(signature, ascii(payload segment), publicKey), then decode the payload.
// Check publicKeyFingerprint(pub.pem) against the one the platform publishes before trusting a key; with OpenSSL:
//   openssl pkey -pubin -in pub.pem -outform DER | tail -c 32 | sha256sum | cut -c1-16

export const QR_PREFIX = 'HZW1';

export type WaybillQrPayload = {
  n: string; // waybill number, e.g. YD20261129000123
  v: number; // waybill version (amendments make new versions; an older QR verifies but is superseded)
  h: string; // SHA-256 of the version's document, lower-case hex, may be truncated to its first 32 characters
  t: string; // issued at, ISO 8601 with offset
};

export type QrVerification =
  | { ok: true; payload: WaybillQrPayload }
  | { ok: false; code: 'QR_MALFORMED' | 'QR_BAD_SIGNATURE' | 'QR_UNSUPPORTED_VERSION' };

export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

// The number fits the waybills.number column (varchar 24) with room to spare; printable ASCII keeps the QR in one
// encoding and keeps look-alike characters out.
const NUMBER_RE = /^[\x21-\x7e]{1,32}$/;
const HASH_RE = /^(?:[0-9a-f]{32}|[0-9a-f]{64})$/; // truncated to 128 bits, or the full SHA-256
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const PAYLOAD_KEYS = 'h,n,t,v';

// Why a payload would be refused, or null when it is fine. Shared by signing (refuse to make a code nobody can verify)
// and verification (a signed but unexpected payload is still not a waybill QR).
export function waybillQrPayloadProblem(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload must be an object';
  const p = payload as Record<string, unknown>;
  if (Object.keys(p).sort().join(',') !== PAYLOAD_KEYS) return `payload must have exactly the keys ${PAYLOAD_KEYS}`;
  if (typeof p.n !== 'string' || !NUMBER_RE.test(p.n)) return 'n must be 1-32 printable ASCII characters';
  if (typeof p.v !== 'number' || !Number.isSafeInteger(p.v) || p.v < 1) return 'v must be a positive integer';
  if (typeof p.h !== 'string' || !HASH_RE.test(p.h)) return 'h must be 32 or 64 lower-case hex characters';
  if (typeof p.t !== 'string' || !ISO_RE.test(p.t) || Number.isNaN(Date.parse(p.t))) {
    return 't must be an ISO 8601 date-time with an offset';
  }
  return null;
}

// Throws RangeError on a bad payload and on a key that is not an Ed25519 private key: both are programming or
// configuration errors, and a QR that no verifier accepts must never be printed.
export function signWaybillQr(payload: WaybillQrPayload, privateKeyPem: string): string {
  const problem = waybillQrPayloadProblem(payload);
  if (problem) throw new RangeError(`signWaybillQr: ${problem}`);
  const key = ed25519(parsedKey(privateKeyPem, 'private'), 'signWaybillQr');
  const { n, v, h, t } = payload; // only these four, whatever else the object carries at run time
  const segment = Buffer.from(canonicalJson({ n, v, h, t }), 'utf8').toString('base64url');
  const signature = sign(null, Buffer.from(segment, 'utf8'), key).toString('base64url');
  return `${QR_PREFIX}.${segment}.${signature}`;
}

// Parsing a PEM costs far more than an Ed25519 signature or verification (about 0.5 ms against 0.05 ms), and the
// same one or two keys are used for every waybill: keep the parsed KeyObjects (immutable), a few at most.
const parsedKeys = new Map<string, KeyObject>();
function parsedKey(pem: string, kind: 'private' | 'public'): KeyObject {
  const cacheKey = `${kind}\n${pem}`;
  let key = parsedKeys.get(cacheKey);
  if (!key) {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (parsedKeys.size >= 8) parsedKeys.clear();
    parsedKeys.set(cacheKey, key);
  }
  return key;
}

function ed25519(key: KeyObject, caller: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`${caller}: the key must be an Ed25519 ${key.type} key`);
  return key;
}

// Strict base64url: only the alphabet, no padding, and the text must be the one canonical encoding of its bytes
// (Buffer decoding silently skips stray characters and ignores spare low bits), so every QR has exactly one spelling.
function decodeBase64Url(text: string): Buffer | null {
  if (!B64URL_RE.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

// Checks in this order: shape (three segments, known tag) → signature over the payload segment → payload content.
// So any change inside the payload segment is QR_BAD_SIGNATURE, and QR_MALFORMED after a valid signature means the
// signer itself made a bad code. Scanners add whitespace, so the text is trimmed first. Throws on a public key that
// is not an Ed25519 public key: a configuration error must not be reported as a forged waybill.
export function verifyWaybillQr(qr: string, publicKeyPem: string): QrVerification {
  const key = ed25519(parsedKey(publicKeyPem, 'public'), 'verifyWaybillQr');
  if (typeof qr !== 'string') return { ok: false, code: 'QR_MALFORMED' };
  const parts = qr.trim().split('.');
  const tag = parts[0] ?? '';
  if (tag !== QR_PREFIX) {
    return { ok: false, code: /^HZW\d+$/.test(tag) ? 'QR_UNSUPPORTED_VERSION' : 'QR_MALFORMED' };
  }
  if (parts.length !== 3) return { ok: false, code: 'QR_MALFORMED' };
  const [, segment, signatureText] = parts as [string, string, string];
  const signature = decodeBase64Url(signatureText);
  if (segment.length === 0 || !signature || signature.length !== 64) return { ok: false, code: 'QR_MALFORMED' };
  if (!verify(null, Buffer.from(segment, 'utf8'), key, signature)) return { ok: false, code: 'QR_BAD_SIGNATURE' };

  const bytes = decodeBase64Url(segment);
  if (!bytes) return { ok: false, code: 'QR_MALFORMED' };
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, code: 'QR_MALFORMED' };
  }
  if (waybillQrPayloadProblem(payload) !== null) return { ok: false, code: 'QR_MALFORMED' };
  if (canonicalJson(payload) !== bytes.toString('utf8')) return { ok: false, code: 'QR_MALFORMED' };
  const { n, v, h, t } = payload as WaybillQrPayload;
  return { ok: true, payload: { n, v, h, t } };
}

// SHA-256 of the raw 32-byte Ed25519 public key (RFC 8032 encoding), first 16 hex characters: short enough to print
// beside the key and to read out over the phone.
export function publicKeyFingerprint(publicKeyPem: string): string {
  const key = ed25519(createPublicKey(publicKeyPem), 'publicKeyFingerprint');
  const raw = Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}
