import { EnvError, LIVE_FLUSH_DEFAULT_MS, loadEnv } from './env.js';

describe('loadEnv', () => {
  it('should apply defaults when nothing is set', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.ROLES).toEqual(['api', 'ingest', 'worker']);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.BODY_LIMIT).toBe(1024 * 1024);
  });

  it('should parse sizes and roles', () => {
    const env = loadEnv({ BODY_LIMIT: '256kb', ROLES: 'api, worker' });
    expect(env.BODY_LIMIT).toBe(256 * 1024);
    expect(env.ROLES).toEqual(['api', 'worker']);
  });

  it('should collect live positions for LIVE_FLUSH_MS, 50 ms unless set, 10 ms to 5 s', () => {
    expect(loadEnv({}).LIVE_FLUSH_MS).toBe(LIVE_FLUSH_DEFAULT_MS);
    expect(LIVE_FLUSH_DEFAULT_MS).toBe(50);
    expect(loadEnv({ LIVE_FLUSH_MS: '200' }).LIVE_FLUSH_MS).toBe(200);
    expect(() => loadEnv({ LIVE_FLUSH_MS: '5' })).toThrow(EnvError);
    expect(() => loadEnv({ LIVE_FLUSH_MS: '6000' })).toThrow(EnvError);
  });

  it('should treat empty strings as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });

  it('should name every bad key in one error', () => {
    let error: unknown;
    try {
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ROLES: 'api,cook', AUTH_TOKEN_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const keys = (error as EnvError).issues.map((i) => i.key).sort();
    expect(keys).toEqual(['AUTH_TOKEN_SECRET', 'DATABASE_URL', 'PORT', 'ROLES']);
    expect((error as EnvError).message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  });
});
