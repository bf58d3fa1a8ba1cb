import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { createHash, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ENV, type Env } from '../config/env.js';
import { AuditService } from '../common/audit.service.js';
import { ConflictError, ForbiddenError, TooManyRequestsError, UnauthenticatedError } from '../common/errors.js';
import { SettingsService } from '../common/settings.service.js';
import type { Login } from './accounts.dto.js';
import { Organisation, type OrganisationKind } from './organisation.entity.js';
import { dummyHash, generatePassword, hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';
import { Revocations } from './revocations.js';
import type { Role } from './roles.js';
import { User } from './user.entity.js';

const ISSUER = 'hazway';
const AUDIENCE = 'hazway-api';
export const API_KEY_PREFIX = 'hzk_';

type SessionRow = {
  expires_at: Date;
  revoked_at: Date | null;
  user_id: string;
  roles: Role[];
  user_status: string;
  must_change_password: boolean;
  organisation_id: string;
  kind: OrganisationKind;
  region_code: string;
  org_status: string;
};

export type LoginResult = {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  mustChangePassword: boolean;
  user: { id: string; username: string; displayName: string; roles: Role[]; organisationId: string };
};

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  private secret?: Promise<webcrypto.CryptoKey>;
  private readonly principals: PrincipalCache;

  constructor(
    private readonly ds: DataSource,
    private readonly settings: SettingsService,
    private readonly audit: AuditService,
    @Inject(ENV) private readonly env: Env,
    revocations: Revocations,
  ) {
    this.principals = new PrincipalCache(env.PRINCIPAL_CACHE_MS);
    revocations.onAnyRevoked(() => this.principals.clear());
  }

  async onApplicationBootstrap() {
    await this.signingKey();
    await this.ensureAdministrator();
  }

  // HS256 key: AUTH_TOKEN_SECRET, or one generated on first start and kept in the database so that every
  // process and every restart accepts the same tokens. Imported once as a CryptoKey: given raw bytes, jose imports
  // the key again on every sign and verify, that is on every request.
  private signingKey(): Promise<webcrypto.CryptoKey> {
    this.secret ??= (async () => {
      const value =
        this.env.AUTH_TOKEN_SECRET ??
        (await this.settings.getOrCreate('auth.token-secret', () => randomBytes(32).toString('base64url')));
      return webcrypto.subtle.importKey('raw', new TextEncoder().encode(value), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    })().catch((e: unknown) => {
      this.secret = undefined;
      throw e;
    });
    return this.secret;
  }

  // On an empty database, create the platform organisation and its administrator. The password comes from
  // ADMIN_PASSWORD, or is generated, printed once and must be changed at first sign-in.
  async ensureAdministrator(): Promise<{ username: string; password?: string } | null> {
    const created = await this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('hazway.bootstrap-admin'))`);
      const [{ count }] = await m.query(`SELECT count(*)::int AS count FROM users WHERE 'admin' = ANY(roles)`);
      if (count > 0) return null;
      const org = await m.save(Organisation, {
        kind: 'platform' as const,
        name: 'Hazway 平台运营方',
        regionCode: '110000',
        uscc: null,
        address: null,
        contactPhone: null,
      });
      const password = this.env.ADMIN_PASSWORD ?? generatePassword();
      const user = await m.save(User, {
        organisationId: org.id,
        username: this.env.ADMIN_USERNAME,
        displayName: 'Administrator',
        phone: null,
        passwordHash: await hashPassword(password),
        roles: ['admin' as Role],
        mustChangePassword: !this.env.ADMIN_PASSWORD,
      });
      await this.audit.record(
        { userId: null, apiKeyId: null },
        { action: 'user.bootstrap-admin', entityType: 'user', entityId: user.id, organisationId: org.id, after: { username: user.username } },
        m,
      );
      return { username: user.username, password: this.env.ADMIN_PASSWORD ? undefined : password };
    });
    if (created) {
      if (created.password) {
        // Printed once, on purpose: this is how the operator learns it. It must be changed at first sign-in.
        this.logger.warn(
          `Created administrator "${created.username}" with one-time password: ${created.password} (change it at first sign-in; set ADMIN_PASSWORD to choose it)`,
        );
      } else {
        this.logger.log(`Created administrator "${created.username}" with the password from ADMIN_PASSWORD`);
      }
    }
    return created;
  }

  async login(input: Login, meta: { ip?: string; userAgent?: string } = {}): Promise<LoginResult> {
    const username = input.username.trim().toLowerCase();
    const user = await this.ds
      .getRepository(User)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .innerJoinAndSelect('u.organisation', 'o')
      .where('u.username = :username', { username })
      .getOne();
    const failed = () => new UnauthenticatedError('LOGIN_FAILED', 'Wrong username or password');
    if (!user) {
      await verifyPassword(await dummyHash(), input.password);
      throw failed();
    }
    const now = new Date();
    if (user.lockedUntil && user.lockedUntil > now) {
      throw new TooManyRequestsError('ACCOUNT_LOCKED', 'Too many failed sign-ins; try again later', {
        lockedUntil: user.lockedUntil.toISOString(),
      });
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      const attempts = user.failedLogins + 1;
      const lock = attempts >= this.env.AUTH_MAX_FAILED_LOGINS;
      await this.ds.getRepository(User).update(user.id, {
        failedLogins: lock ? 0 : attempts,
        lockedUntil: lock ? new Date(now.getTime() + this.env.AUTH_LOCKOUT_SECONDS * 1000) : null,
      });
      throw failed();
    }
    if (user.status !== 'active' || user.organisation!.status !== 'active') {
      throw new ForbiddenError('ACCOUNT_DISABLED', 'This account is disabled');
    }
    const expiresAt = new Date(now.getTime() + this.env.AUTH_TOKEN_TTL * 1000);
    const [{ id: sessionId }] = await this.ds.query(
      `INSERT INTO sessions (user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4) RETURNING id`,
      [user.id, expiresAt, meta.ip?.slice(0, 64) ?? null, meta.userAgent?.slice(0, 300) ?? null],
    );
    await this.ds.getRepository(User).update(user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: now });
    const accessToken = await new SignJWT({ org: user.organisationId, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.signingKey());
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresAt: expiresAt.toISOString(),
      mustChangePassword: user.mustChangePassword,
      user: {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        roles: user.roles,
        organisationId: user.organisationId,
      },
    };
  }

  async logout(p: Principal): Promise<void> {
    if (p.sessionId) await this.ds.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [p.sessionId]);
  }

  async changePassword(p: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (!p.userId) throw new ForbiddenError('USER_REQUIRED', 'Only a signed-in user can change a password');
    const user = await this.ds
      .getRepository(User)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id: p.userId })
      .getOneOrFail();
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new UnauthenticatedError('LOGIN_FAILED', 'The current password is wrong');
    }
    if (currentPassword === newPassword) throw new ConflictError('PASSWORD_UNCHANGED', 'The new password must differ from the current one');
    await this.ds.transaction(async (m) => {
      await m.update(User, user.id, { passwordHash: await hashPassword(newPassword), mustChangePassword: false });
      // Every other session of this user ends: a changed password is often a response to a leak.
      await m.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`, [
        user.id,
        p.sessionId,
      ]);
      await this.audit.record(p, { action: 'user.change-password', entityType: 'user', entityId: user.id, organisationId: user.organisationId }, m);
    });
  }

  // Bearer JWT or API key → principal. Used by the HTTP guard and by socket.io handshakes. Remembered for
  // PRINCIPAL_CACHE_MS (principal-cache.ts says how revocations reach it).
  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new UnauthenticatedError('TOKEN_MISSING', 'Sign in first: send Authorization: Bearer <token>');
    const cached = this.principals.get(credential);
    if (cached) return cached;
    const generation = this.principals.generation;
    const [principal, expiresAt] = credential.startsWith(API_KEY_PREFIX) ? await this.authenticateApiKey(credential) : await this.authenticateToken(credential);
    this.principals.set(credential, principal, generation, expiresAt);
    return principal;
  }

  // The principal, and when the credential expires (epoch ms; null: never).
  private async authenticateToken(credential: string): Promise<[Principal, number]> {
    let payload: { sub?: string; sid?: unknown; exp?: number };
    try {
      ({ payload } = await jwtVerify(credential, await this.signingKey(), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('TOKEN_EXPIRED', 'The token has expired; sign in again');
      throw new UnauthenticatedError('TOKEN_INVALID', 'The token is not valid');
    }
    if (typeof payload.sid !== 'string' || !/^[0-9a-f-]{36}$/.test(payload.sid)) {
      throw new UnauthenticatedError('TOKEN_INVALID', 'The token is not valid');
    }
    const rows: SessionRow[] = await this.ds.query(
      `SELECT s.expires_at, s.revoked_at, u.id AS user_id, u.roles, u.status AS user_status, u.must_change_password,
              o.id AS organisation_id, o.kind, o.region_code, o.status AS org_status
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id
        WHERE s.id = $1`,
      [payload.sid],
    );
    const row = rows[0];
    if (!row || row.user_id !== payload.sub) throw new UnauthenticatedError('TOKEN_INVALID', 'The token is not valid');
    if (row.revoked_at) throw new UnauthenticatedError('SESSION_REVOKED', 'This session has been signed out');
    if (row.expires_at <= new Date()) throw new UnauthenticatedError('TOKEN_EXPIRED', 'The token has expired; sign in again');
    if (row.user_status !== 'active' || row.org_status !== 'active') {
      throw new UnauthenticatedError('ACCOUNT_DISABLED', 'This account is disabled');
    }
    const principal: Principal = {
      kind: 'user',
      userId: row.user_id,
      apiKeyId: null,
      sessionId: payload.sid,
      organisationId: row.organisation_id,
      organisationKind: row.kind,
      regionCode: row.region_code,
      roles: row.roles,
      mustChangePassword: row.must_change_password,
    };
    return [principal, Math.min(row.expires_at.getTime(), (payload.exp ?? Infinity) * 1000)];
  }

  private async authenticateApiKey(key: string): Promise<[Principal, number | null]> {
    const m = /^hzk_([0-9a-f-]{36})_([A-Za-z0-9_-]{32})$/.exec(key);
    const invalid = () => new UnauthenticatedError('API_KEY_INVALID', 'The API key is not valid');
    if (!m) throw invalid();
    const rows: {
      secret_hash: string;
      revoked_at: Date | null;
      expires_at: Date | null;
      roles: Role[];
      organisation_id: string;
      kind: OrganisationKind;
      region_code: string;
      org_status: string;
    }[] = await this.ds.query(
      `SELECT k.secret_hash, k.revoked_at, k.expires_at, k.roles, o.id AS organisation_id, o.kind, o.region_code, o.status AS org_status
         FROM api_keys k JOIN organisations o ON o.id = k.organisation_id WHERE k.id = $1`,
      [m[1]],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(sha256(m[2]!)))) throw invalid();
    if (row.revoked_at) throw new UnauthenticatedError('API_KEY_REVOKED', 'This API key has been revoked');
    if (row.expires_at && row.expires_at <= new Date()) throw new UnauthenticatedError('API_KEY_EXPIRED', 'This API key has expired');
    if (row.org_status !== 'active') throw new UnauthenticatedError('ACCOUNT_DISABLED', 'This organisation is retired');
    // Best effort, not awaited on the request path (and, with the principal cache, once per PRINCIPAL_CACHE_MS).
    this.ds.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [m[1]]).catch(() => undefined);
    const principal: Principal = {
      kind: 'api_key',
      userId: null,
      apiKeyId: m[1]!,
      sessionId: null,
      organisationId: row.organisation_id,
      organisationKind: row.kind,
      regionCode: row.region_code,
      roles: row.roles,
      mustChangePassword: false,
    };
    return [principal, row.expires_at?.getTime() ?? null];
  }
}
