import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { sha256 } from '../../accounts/auth.service.js';

// An app terminal (phone app, gateway) as its token identifies it: it reports for this vehicle only.
export type AppTerminalIdentity = { terminalId: string; vehicleId: string; organisationId: string };

export type AppTerminalRefusal =
  | 'TOKEN_MISSING'
  | 'TERMINAL_TOKEN_INVALID' // malformed, unknown terminal, wrong secret, or no token issued
  | 'NOT_AN_APP_TERMINAL'
  | 'TERMINAL_RETIRED'
  | 'TERMINAL_NOT_BOUND' // no vehicle: positions would belong to nobody
  | 'VEHICLE_RETIRED'
  | 'ACCOUNT_DISABLED'; // the carrier is retired

export class AppTerminalAuthError extends Error {
  constructor(
    readonly code: AppTerminalRefusal,
    message: string,
  ) {
    super(message);
  }
}

// hzt_<terminal id>_<secret>, as FleetService.issueAppToken makes it (the secret is 24 random bytes, base64url).
const TOKEN = /^hzt_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{16,128})$/i;

export function parseAppToken(token: string): { terminalId: string; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { terminalId: m[1]!.toLowerCase(), secret: m[2]! } : null;
}

// Compared when there is no stored hash, so that an unknown terminal costs the same hashing and comparison.
const NO_HASH = '0'.repeat(64);

@Injectable()
export class AppTerminalAuth {
  constructor(private readonly ds: DataSource) {}

  // Checked once, in the socket.io handshake. The secret is compared before anything about the terminal is told,
  // so that only the holder of a once-valid token learns that its terminal was retired or unbound.
  async verify(token: string | undefined): Promise<AppTerminalIdentity> {
    if (!token) throw new AppTerminalAuthError('TOKEN_MISSING', 'Connect with auth: { token: "hzt_..." } (POST /terminals/:id/app-token)');
    const invalid = () => new AppTerminalAuthError('TERMINAL_TOKEN_INVALID', 'The terminal token is not valid');
    const parsed = parseAppToken(token);
    if (!parsed) throw invalid();
    const rows: {
      id: string;
      organisation_id: string;
      vehicle_id: string | null;
      protocol: string;
      status: string;
      app_token_hash: string | null;
      vehicle_status: string | null;
      org_status: string;
    }[] = await this.ds.query(
      `SELECT t.id, t.organisation_id, t.vehicle_id, t.protocol, t.status, t.app_token_hash, v.status AS vehicle_status, o.status AS org_status
         FROM terminals t
         JOIN organisations o ON o.id = t.organisation_id
         LEFT JOIN vehicles v ON v.id = t.vehicle_id
        WHERE t.id = $1`,
      [parsed.terminalId],
    );
    const row = rows[0];
    const stored = Buffer.from(row?.app_token_hash ?? NO_HASH, 'hex');
    const given = Buffer.from(sha256(parsed.secret), 'hex');
    const matches = stored.length === given.length && timingSafeEqual(stored, given);
    if (!row || !row.app_token_hash || !matches) throw invalid();
    if (row.protocol !== 'app') throw new AppTerminalAuthError('NOT_AN_APP_TERMINAL', 'This terminal speaks JT/T 808, not socket.io');
    if (row.status !== 'active') throw new AppTerminalAuthError('TERMINAL_RETIRED', 'This terminal is retired');
    if (row.org_status !== 'active') throw new AppTerminalAuthError('ACCOUNT_DISABLED', 'The organisation of this terminal is retired');
    if (!row.vehicle_id) throw new AppTerminalAuthError('TERMINAL_NOT_BOUND', 'This terminal is not bound to a vehicle');
    if (row.vehicle_status !== 'active') throw new AppTerminalAuthError('VEHICLE_RETIRED', 'The vehicle of this terminal is retired');
    // Best effort, not awaited on the handshake.
    this.ds.query(`UPDATE terminals SET last_seen_at = now() WHERE id = $1`, [row.id]).catch(() => undefined);
    return { terminalId: row.id, vehicleId: row.vehicle_id, organisationId: row.organisation_id };
  }
}
