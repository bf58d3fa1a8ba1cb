import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// What the JT/T 808 server needs to know about terminals, and the little it writes back (auth codes, last seen).
// Reads `terminals` and `vehicles` directly with two indexed queries instead of going through FleetService: this
// runs on every terminal connection and must not load entities, audit, or scope by a signed-in principal.

export type TerminalProtocolVersion = '2011' | '2013' | '2019';

export type DirectoryTerminal = {
  id: string;
  organisationId: string;
  protocol: 'jt808' | 'app';
  protocolVersion: TerminalProtocolVersion | null;
  vehicleId: string | null;
  vehicleActive: boolean; // the bound vehicle exists and is not retired
  authCodeHash: string | null; // sha256 hex of the code issued at the last registration (see hashAuthCode)
};

// A terminal still connected, as the database sees it now (returned by touch()).
export type TerminalState = { id: string; vehicleId: string | null; active: boolean; hasAuthCode: boolean };

export interface TerminalDirectory {
  // The active terminal with this header phone; null when there is none, or when the number is ambiguous.
  findByPhone(phone: string): Promise<DirectoryTerminal | null>;
  setAuthCodeHash(terminalId: string, hash: string): Promise<void>;
  // Sets last_seen_at (never backwards) and reports the current binding of each terminal touched.
  touch(seen: ReadonlyMap<string, Date>): Promise<TerminalState[]>;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown[]>;

// Phones are stored as entered (11 to 20 digits, fleet.dto.ts) and sent as BCD left-padded with zeros to 12 digits
// (2013) or 20 (2019): '13912345678' arrives as '013912345678'. Every stored form the header phone may stand for,
// so that the lookup stays on the terminals_phone_uq index.
export function phoneCandidates(headerPhone: string): string[] {
  const digits = headerPhone.replace(/^0+/, '');
  const out = new Set<string>([headerPhone]);
  if (/^\d+$/.test(digits)) for (let len = Math.max(digits.length, 11); len <= 20; len++) out.add(digits.padStart(len, '0'));
  return [...out];
}

export class PgTerminalDirectory implements TerminalDirectory {
  constructor(private readonly query: Query) {}

  async findByPhone(phone: string): Promise<DirectoryTerminal | null> {
    const rows = (await this.query(
      `SELECT t.id, t.organisation_id, t.protocol, t.protocol_version, t.vehicle_id, t.auth_code, t.phone,
              (v.id IS NOT NULL AND v.status = 'active') AS vehicle_active
       FROM terminals t LEFT JOIN vehicles v ON v.id = t.vehicle_id
       WHERE t.phone = ANY($1::varchar[]) AND t.status = 'active'`,
      [phoneCandidates(phone)],
    )) as {
      id: string;
      organisation_id: string;
      protocol: 'jt808' | 'app';
      protocol_version: TerminalProtocolVersion | null;
      vehicle_id: string | null;
      vehicle_active: boolean;
      auth_code: string | null;
      phone: string;
    }[];
    // The number as sent wins; otherwise a single padded/unpadded match. Two different terminals both matching
    // ('13912345678' and '013912345678' registered separately) is refused rather than guessed.
    const row = rows.find((r) => r.phone === phone) ?? (rows.length === 1 ? rows[0] : undefined);
    if (!row) return null;
    return {
      id: row.id,
      organisationId: row.organisation_id,
      protocol: row.protocol,
      protocolVersion: row.protocol_version,
      vehicleId: row.vehicle_id,
      vehicleActive: row.vehicle_active,
      authCodeHash: row.auth_code,
    };
  }

  async setAuthCodeHash(terminalId: string, hash: string): Promise<void> {
    await this.query(`UPDATE terminals SET auth_code = $2 WHERE id = $1`, [terminalId, hash]);
  }

  async touch(seen: ReadonlyMap<string, Date>): Promise<TerminalState[]> {
    if (seen.size === 0) return [];
    const rows = (await this.query(
      // Wrapped in a CTE so that the driver answers with plain rows (a bare UPDATE gives [rows, count]).
      `WITH touched AS (
         UPDATE terminals t SET last_seen_at = greatest(t.last_seen_at, s.seen)
         FROM unnest($1::uuid[], $2::timestamptz[]) AS s(id, seen)
         WHERE t.id = s.id
         RETURNING t.id, t.vehicle_id, t.status, t.auth_code IS NOT NULL AS has_code
       ) SELECT * FROM touched`,
      [[...seen.keys()], [...seen.values()]],
    )) as { id: string; vehicle_id: string | null; status: string; has_code: boolean }[];
    return rows.map((r) => ({ id: r.id, vehicleId: r.vehicle_id, active: r.status === 'active', hasAuthCode: r.has_code }));
  }
}

// Auth codes: 16 URL-safe characters (96 random bits), printable ASCII so that any terminal firmware stores and
// echoes them unchanged. Only their SHA-256 is kept in terminals.auth_code (64 hex characters): the code itself
// exists on the terminal and in the one 0x8100 reply, so a database dump does not let anyone report as a terminal.
export const newAuthCode = (): string => randomBytes(12).toString('base64url');

export const hashAuthCode = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

// Constant-time: both sides are 32-byte digests whatever the input length.
export function authCodeMatches(given: string, storedHash: string | null): boolean {
  if (!storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, Buffer.from(storedHash, 'hex'));
}
