import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  generateSigningKeyPair,
  publicKeyFingerprint,
  QR_PREFIX,
  signWaybillQr,
  verifyWaybillQr,
  waybillQrPayloadProblem,
  type WaybillQrPayload,
} from './qr.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const other = (c: string) => (c === 'A' ? 'B' : 'A');
const replaceAt = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);
const b64u = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

const keys = generateSigningKeyPair();
const otherKeys = generateSigningKeyPair();
const payload: WaybillQrPayload = {
  n: 'YD20261129000123',
  v: 2,
  h: createHash('sha256').update('the issued document').digest('hex').slice(0, 32),
  t: '2026-11-29T08:00:00+08:00',
};
const qr = signWaybillQr(payload, keys.privateKeyPem);
const [, segment, signature] = qr.split('.') as [string, string, string];

// A QR whose payload segment is any text we like, correctly signed with `keys`: shows the checks after the signature.
const signedSegment = (json: string) => {
  const seg = b64u(json);
  return `${QR_PREFIX}.${seg}.${sign(null, Buffer.from(seg), keys.privateKeyPem).toString('base64url')}`;
};

describe('generateSigningKeyPair', () => {
  it('should make an Ed25519 PKCS#8 private key and SPKI public key in PEM', () => {
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(keys.publicKeyPem).asymmetricKeyType).toBe('ed25519');
    expect(createPublicKey(keys.privateKeyPem).export({ type: 'spki', format: 'pem' })).toBe(keys.publicKeyPem);
  });

  it('should make a new pair each time', () => {
    expect(otherKeys.publicKeyPem).not.toBe(keys.publicKeyPem);
  });
});

describe('signWaybillQr', () => {
  it('should produce HZW1.<base64url canonical JSON>.<base64url 64-byte signature>', () => {
    expect(qr.split('.')).toHaveLength(3);
    expect(qr.startsWith('HZW1.')).toBe(true);
    expect(Buffer.from(segment, 'base64url').toString('utf8')).toBe(
      `{"h":"${payload.h}","n":"YD20261129000123","t":"2026-11-29T08:00:00+08:00","v":2}`,
    );
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(qr).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('should stay short enough for a version 11 QR code at level M (251 bytes)', () => {
    expect(qr.length).toBeLessThanOrEqual(251);
    const longest = signWaybillQr({ ...payload, n: 'YD20261129000123XXXXXXXX', v: 99_999 }, keys.privateKeyPem);
    expect(longest.length).toBeLessThanOrEqual(251);
  });

  it('should sign exactly the ASCII bytes of the middle segment (what an offline verifier checks)', () => {
    expect(verify(null, Buffer.from(segment, 'ascii'), keys.publicKeyPem, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('should be deterministic (Ed25519) and independent of key order in the input', () => {
    const { t, v, n, h } = payload;
    expect(signWaybillQr({ t, v, n, h }, keys.privateKeyPem)).toBe(qr);
  });

  it('should accept a full 64-character SHA-256', () => {
    const full = signWaybillQr({ ...payload, h: 'ab'.repeat(32) }, keys.privateKeyPem);
    expect(verifyWaybillQr(full, keys.publicKeyPem)).toMatchObject({ ok: true, payload: { h: 'ab'.repeat(32) } });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an empty number', { n: '' }],
    ['a number with a space', { n: 'YD 2026' }],
    ['a non-ASCII number', { n: '运单123' }],
    ['a 33-character number', { n: 'Y'.repeat(33) }],
    ['version 0', { v: 0 }],
    ['a fractional version', { v: 1.5 }],
    ['a version given as text', { v: '1' }],
    ['an upper-case hash', { h: payload.h.toUpperCase() }],
    ['a 40-character hash', { h: 'a'.repeat(40) }],
    ['a 31-character hash', { h: 'a'.repeat(31) }],
    ['a time without offset', { t: '2026-11-29T08:00:00' }],
    ['a date only', { t: '2026-11-29' }],
    ['a time that is not a date', { t: '2026-13-45T99:00:00Z' }],
    ['an extra key', { x: 1 }],
  ])('should refuse to sign %s', (_what, change) => {
    expect(() => signWaybillQr({ ...payload, ...change } as WaybillQrPayload, keys.privateKeyPem)).toThrow(RangeError);
  });

  it('should refuse a key that is not an Ed25519 private key', () => {
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signWaybillQr(payload, x25519)).toThrow(RangeError);
    expect(() => signWaybillQr(payload, keys.publicKeyPem)).toThrow();
  });
});

describe('verifyWaybillQr', () => {
  it('should return the payload of a genuine QR', () => {
    expect(verifyWaybillQr(qr, keys.publicKeyPem)).toEqual({ ok: true, payload });
  });

  it('should tolerate whitespace a scanner adds around the text', () => {
    expect(verifyWaybillQr(`  ${qr}\r\n`, keys.publicKeyPem)).toEqual({ ok: true, payload });
  });

  it('should verify with the public key derived from the private key as well', () => {
    expect(verifyWaybillQr(qr, keys.privateKeyPem)).toMatchObject({ ok: true });
  });

  describe('tampered payload', () => {
    it.each([...segment].map((c, i) => [i, c]))('should refuse a change of character %i (%s) as QR_BAD_SIGNATURE', (i, c) => {
      const tampered = `${QR_PREFIX}.${replaceAt(segment, i, other(c))}.${signature}`;
      expect(verifyWaybillQr(tampered, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
    });

    it('should refuse every single-byte change of the decoded JSON, re-encoded, as QR_BAD_SIGNATURE', () => {
      const json = Buffer.from(segment, 'base64url');
      for (let i = 0; i < json.length; i++) {
        const bytes = Buffer.from(json);
        bytes[i] = bytes[i]! ^ 0x01;
        const tampered = `${QR_PREFIX}.${bytes.toString('base64url')}.${signature}`;
        expect(verifyWaybillQr(tampered, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
      }
    });

    it.each<[string, Partial<WaybillQrPayload>]>([
      ['number', { n: 'YD20261129000124' }],
      ['version', { v: 3 }],
      ['hash', { h: 'f'.repeat(32) }],
      ['time', { t: '2026-11-30T08:00:00+08:00' }],
    ])('should refuse a forged %s carrying the genuine signature', (_what, change) => {
      const forgedSegment = b64u(JSON.stringify({ ...payload, ...change }, ['h', 'n', 't', 'v']));
      expect(verifyWaybillQr(`${QR_PREFIX}.${forgedSegment}.${signature}`, keys.publicKeyPem)).toEqual({
        ok: false,
        code: 'QR_BAD_SIGNATURE',
      });
    });

    it('should refuse the same JSON with padding added to the segment', () => {
      expect(verifyWaybillQr(`${QR_PREFIX}.${segment}=.${signature}`, keys.publicKeyPem)).toMatchObject({ ok: false });
    });
  });

  describe('tampered signature', () => {
    it('should refuse the signature of another genuine QR (swapped) as QR_BAD_SIGNATURE', () => {
      const second = signWaybillQr({ ...payload, v: 3 }, keys.privateKeyPem);
      const swapped = `${QR_PREFIX}.${segment}.${second.split('.')[2]}`;
      expect(verifyWaybillQr(swapped, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
    });

    // Characters 0-84 each carry six signature bits; the 86th carries two plus four zero padding bits.
    it.each([...signature.slice(0, 85)].map((c, i) => [i, c]))('should refuse a change of character %i (%s) as QR_BAD_SIGNATURE', (i, c) => {
      const tampered = `${QR_PREFIX}.${segment}.${replaceAt(signature, i, other(c))}`;
      expect(verifyWaybillQr(tampered, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
    });

    // A canonical last character has its four padding bits zero (A, Q, g, w); any other spelling is not the one
    // encoding of its bytes, so it is QR_MALFORMED even when it decodes to the genuine signature.
    it('should refuse a changed last character: QR_BAD_SIGNATURE when canonical, QR_MALFORMED otherwise', () => {
      const last = signature.at(-1)!;
      expect('AQgw').toContain(last);
      for (const [i, c] of [...B64URL].entries()) {
        if (c === last) continue;
        const code = (i & 0x0f) === 0 ? 'QR_BAD_SIGNATURE' : 'QR_MALFORMED';
        expect(verifyWaybillQr(`${QR_PREFIX}.${segment}.${replaceAt(signature, 85, c)}`, keys.publicKeyPem)).toEqual({
          ok: false,
          code,
        });
      }
    });

    it('should refuse an all-zero signature', () => {
      const zero = Buffer.alloc(64).toString('base64url');
      expect(verifyWaybillQr(`${QR_PREFIX}.${segment}.${zero}`, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
    });
  });

  it('should refuse a QR signed with another key as QR_BAD_SIGNATURE', () => {
    expect(verifyWaybillQr(qr, otherKeys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
    const foreign = signWaybillQr(payload, otherKeys.privateKeyPem);
    expect(verifyWaybillQr(foreign, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_BAD_SIGNATURE' });
  });

  it.each([...Array(qr.length).keys()].filter((n) => n > 0))('should refuse the first %i characters as QR_MALFORMED', (n) => {
    expect(verifyWaybillQr(qr.slice(0, n), keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_MALFORMED' });
  });

  it('should refuse the QR with its first character cut off', () => {
    expect(verifyWaybillQr(qr.slice(1), keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_MALFORMED' });
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'hello world'],
    ['a URL', 'https://example.com/waybills/YD20261129000123'],
    ['JSON', JSON.stringify(payload)],
    ['the tag alone', 'HZW1'],
    ['empty segments', 'HZW1..'],
    ['four segments', `${qr}.AAAA`],
    ['a lower-case tag', qr.replace('HZW1', 'hzw1')],
    ['another tag', qr.replace('HZW1', 'ABC1')],
    ['a tag without number', qr.replace('HZW1', 'HZW')],
    ['a signature that is not base64url', `${QR_PREFIX}.${segment}.${signature.slice(0, 80)}!!!!!!`],
    ['a signature of 63 bytes', `${QR_PREFIX}.${segment}.${Buffer.alloc(63).toString('base64url')}`],
    ['a signature of 65 bytes', `${QR_PREFIX}.${segment}.${Buffer.alloc(65).toString('base64url')}`],
    ['random bytes', Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) % 256)).toString('latin1')],
  ])('should refuse %s as QR_MALFORMED', (_what, text) => {
    expect(verifyWaybillQr(text, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_MALFORMED' });
  });

  it('should refuse a value that is not a string as QR_MALFORMED', () => {
    expect(verifyWaybillQr(undefined as unknown as string, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_MALFORMED' });
  });

  it.each(['HZW2', 'HZW0', 'HZW10', 'HZW999'])('should refuse the future format %s as QR_UNSUPPORTED_VERSION', (tag) => {
    expect(verifyWaybillQr(qr.replace('HZW1', tag), keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_UNSUPPORTED_VERSION' });
    expect(verifyWaybillQr(`${tag}.whatever`, keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_UNSUPPORTED_VERSION' });
  });

  // A valid signature over an unexpected payload: only a broken signer makes these, but they are still refused.
  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[1,2]'],
    ['a missing key', `{"h":"${payload.h}","n":"YD1","v":1}`],
    ['an extra key', `{"h":"${payload.h}","n":"YD1","t":"${payload.t}","v":1,"x":1}`],
    ['a bad hash', `{"h":"xyz","n":"YD1","t":"${payload.t}","v":1}`],
    ['keys out of order', `{"n":"YD1","h":"${payload.h}","t":"${payload.t}","v":1}`],
    ['whitespace', `{"h":"${payload.h}", "n":"YD1","t":"${payload.t}","v":1}`],
    ['a version written 1.0', `{"h":"${payload.h}","n":"YD1","t":"${payload.t}","v":1.0}`],
  ])('should refuse a signed payload with %s as QR_MALFORMED', (_what, json) => {
    expect(verifyWaybillQr(signedSegment(json), keys.publicKeyPem)).toEqual({ ok: false, code: 'QR_MALFORMED' });
  });

  it('should accept a payload signed by hand that is canonical (the format is all a verifier needs)', () => {
    const json = `{"h":"${payload.h}","n":"YD1","t":"${payload.t}","v":1}`;
    expect(verifyWaybillQr(signedSegment(json), keys.publicKeyPem)).toEqual({
      ok: true,
      payload: { h: payload.h, n: 'YD1', t: payload.t, v: 1 },
    });
  });

  it('should throw on a key that is not an Ed25519 key rather than blame the QR', () => {
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => verifyWaybillQr(qr, x25519)).toThrow(RangeError);
    expect(() => verifyWaybillQr(qr, 'not a key')).toThrow();
  });
});

describe('waybillQrPayloadProblem', () => {
  it('should accept a good payload', () => {
    expect(waybillQrPayloadProblem(payload)).toBeNull();
  });

  it.each([null, 'x', [], {}])('should name the problem of %p', (value) => {
    expect(waybillQrPayloadProblem(value)).toEqual(expect.any(String));
  });
});

describe('publicKeyFingerprint', () => {
  // RFC 8032 §7.1 test 1 public key, wrapped in SPKI (RFC 8410: 302a300506032b6570032100 + 32 bytes).
  const RFC8032_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const rfcPem = createPublicKey({
    key: Buffer.from(`302a300506032b6570032100${RFC8032_PUBLIC}`, 'hex'),
    format: 'der',
    type: 'spki',
  })
    .export({ type: 'spki', format: 'pem' })
    .toString();

  it('should be the first 16 hex characters of SHA-256 over the raw 32-byte key', () => {
    const expected = createHash('sha256').update(Buffer.from(RFC8032_PUBLIC, 'hex')).digest('hex').slice(0, 16);
    expect(publicKeyFingerprint(rfcPem)).toBe(expected);
    expect(publicKeyFingerprint(rfcPem)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('should match the last 32 bytes of the DER key (the OpenSSL recipe in qr.ts)', () => {
    const der = createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(publicKeyFingerprint(keys.publicKeyPem)).toBe(createHash('sha256').update(der.subarray(-32)).digest('hex').slice(0, 16));
  });

  it('should be stable for one key and differ between keys', () => {
    expect(publicKeyFingerprint(keys.publicKeyPem)).toBe(publicKeyFingerprint(keys.publicKeyPem));
    expect(publicKeyFingerprint(keys.publicKeyPem)).not.toBe(publicKeyFingerprint(otherKeys.publicKeyPem));
  });

  it('should refuse a key that is not Ed25519', () => {
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => publicKeyFingerprint(x25519)).toThrow(RangeError);
  });
});
