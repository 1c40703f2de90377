import { describe, expect, it } from '@jest/globals';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config/app-config.js';

describe('configuration', () => {
  it('has defaults for everything: the embedded database in ./data on port 3000', () => {
    const config = loadConfig({}, '/srv/percorsi');
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: null,
      dataDir: '/srv/percorsi/data',
      dbSchema: 'public',
      defaultLanguage: 'it',
    });
  });

  it('reads DATABASE_URL and the PERCORSI_* variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/percorsi',
      PERCORSI_DEFAULT_LANGUAGE: 'en',
      PERCORSI_DATA_DIR: '/var/lib/percorsi',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/percorsi',
      defaultLanguage: 'en',
      dataDir: '/var/lib/percorsi',
    });
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        PERCORSI_DEFAULT_LANGUAGE: 'fr',
        PERCORSI_DB_SCHEMA: 'Robert"); DROP',
        PERCORSI_SESSION_IDLE_MINUTES: 'soon',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'PERCORSI_DEFAULT_LANGUAGE', 'PERCORSI_DB_SCHEMA', 'PERCORSI_SESSION_IDLE_MINUTES']) {
      expect(problems).toContain(name);
    }
  });

  it('gives webhook claims a short lease (5 s): renewed while the attempt runs, it may be shorter than the timeout', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ leaseMs: 5000, timeoutMs: 15000, pollMs: 1000 });
    // A lease below the timeout was refused before the heartbeat (a slow attempt would have been taken over).
    expect(loadConfig({ PERCORSI_WEBHOOK_LEASE_MS: '1000', PERCORSI_WEBHOOK_TIMEOUT_MS: '60000' }).webhooks).toMatchObject({
      leaseMs: 1000,
      timeoutMs: 60000,
    });
    for (const lease of ['999', '0', '-5', '5s']) {
      expect(() => loadConfig({ PERCORSI_WEBHOOK_LEASE_MS: lease })).toThrow(/PERCORSI_WEBHOOK_LEASE_MS must be an integer from 1000/);
    }
  });

  it('reads the identity settings: sessions of 30 minutes idle and 12 hours at most, no proxy trusted, a generated admin password', () => {
    expect(loadConfig({}).identity).toEqual({ adminPassword: null, sessionIdleMinutes: 30, sessionMaxHours: 12, trustProxy: false });
    expect(
      loadConfig({
        PERCORSI_ADMIN_PASSWORD: 'correct horse battery',
        PERCORSI_SESSION_IDLE_MINUTES: '5',
        PERCORSI_SESSION_MAX_HOURS: '1',
        PERCORSI_TRUST_PROXY: 'loopback, 10.0.0.0/8',
      }).identity,
    ).toEqual({ adminPassword: 'correct horse battery', sessionIdleMinutes: 5, sessionMaxHours: 1, trustProxy: 'loopback, 10.0.0.0/8' });
    expect(loadConfig({ PERCORSI_TRUST_PROXY: '1' }).identity.trustProxy).toBe(1);
    expect(loadConfig({ PERCORSI_TRUST_PROXY: 'true' }).identity.trustProxy).toBe(true);
    expect(() => loadConfig({ PERCORSI_ADMIN_PASSWORD: 'short' })).toThrow(/PERCORSI_ADMIN_PASSWORD must be 12 to 1024 characters/);
    expect(() => loadConfig({ PERCORSI_SESSION_IDLE_MINUTES: '0' })).toThrow(/PERCORSI_SESSION_IDLE_MINUTES must be an integer from 1/);
  });

  describe('OpenID Connect (PERCORSI_OIDC_*)', () => {
    const complete = {
      PERCORSI_OIDC_ISSUER: 'https://sso.example/realms/percorsi',
      PERCORSI_OIDC_AUDIENCE: 'percorsi-api',
      PERCORSI_OIDC_CLIENT_ID: 'percorsi',
      PERCORSI_OIDC_CLIENT_SECRET: 's3cret',
      PERCORSI_OIDC_REDIRECT_URL: 'https://percorsi.example/auth/oidc/callback',
    };

    it('is off without an issuer, whatever else is set', () => {
      expect(loadConfig({}).oidc).toBeNull();
      expect(loadConfig({ PERCORSI_OIDC_CLIENT_ID: 'percorsi', PERCORSI_OIDC_ISSUER: ' ' }).oidc).toBeNull();
    });

    it('reads the issuer, client, audience and redirect URL, with defaults for the claim and the scopes', () => {
      expect(loadConfig(complete).oidc).toEqual({
        issuer: 'https://sso.example/realms/percorsi',
        audience: 'percorsi-api',
        clientId: 'percorsi',
        clientSecret: 's3cret',
        redirectUrl: 'https://percorsi.example/auth/oidc/callback',
        operatorClaim: 'preferred_username',
        rolesClaim: null,
        scopes: ['openid', 'profile', 'email'],
      });
      expect(loadConfig({ ...complete, PERCORSI_OIDC_ROLES_CLAIM: 'realm_access.roles' }).oidc?.rolesClaim).toBe('realm_access.roles');
      expect(loadConfig({ ...complete, PERCORSI_OIDC_OPERATOR_CLAIM: 'email', PERCORSI_OIDC_SCOPES: 'openid  email' }).oidc).toMatchObject({
        operatorClaim: 'email',
        scopes: ['openid', 'email'],
      });
    });

    it('lists every missing variable at once when the issuer is set', () => {
      const error = catchConfigError({ PERCORSI_OIDC_ISSUER: 'https://sso.example/realms/percorsi' });
      expect(error.problems).toEqual([
        'PERCORSI_OIDC_ISSUER is set, so PERCORSI_OIDC_AUDIENCE, PERCORSI_OIDC_CLIENT_ID, PERCORSI_OIDC_CLIENT_SECRET, PERCORSI_OIDC_REDIRECT_URL are required',
      ]);
      expect(catchConfigError({ ...complete, PERCORSI_OIDC_CLIENT_SECRET: '' }).problems).toEqual([
        'PERCORSI_OIDC_ISSUER is set, so PERCORSI_OIDC_CLIENT_SECRET is required',
      ]);
    });

    it('takes https URLs, and http only on loopback', () => {
      expect(loadConfig({ ...complete, PERCORSI_OIDC_ISSUER: 'http://127.0.0.1:8080/realms/percorsi' }).oidc?.issuer).toBe(
        'http://127.0.0.1:8080/realms/percorsi',
      );
      expect(catchConfigError({ ...complete, PERCORSI_OIDC_ISSUER: 'http://sso.example/realms/percorsi' }).problems).toEqual([
        "PERCORSI_OIDC_ISSUER must be an https URL (http only on loopback), got 'http:'",
      ]);
      expect(catchConfigError({ ...complete, PERCORSI_OIDC_REDIRECT_URL: 'not a url' }).problems).toEqual([
        'PERCORSI_OIDC_REDIRECT_URL is not a valid URL',
      ]);
    });

    it('refuses an audience equal to the client id (ID tokens would pass as access tokens)', () => {
      expect(catchConfigError({ ...complete, PERCORSI_OIDC_AUDIENCE: 'percorsi' }).problems).toEqual([
        'PERCORSI_OIDC_AUDIENCE must differ from PERCORSI_OIDC_CLIENT_ID (else ID tokens would be taken as access tokens)',
      ]);
    });

    it('refuses scopes without openid and a claim name that is not one', () => {
      expect(
        catchConfigError({ ...complete, PERCORSI_OIDC_SCOPES: 'profile email', PERCORSI_OIDC_OPERATOR_CLAIM: 'a b' }).problems,
      ).toEqual([
        "PERCORSI_OIDC_OPERATOR_CLAIM must be a claim name (letters, digits, _ . : -), got 'a b'",
        "PERCORSI_OIDC_SCOPES must include 'openid'",
      ]);
    });
  });

  it('reads the deadline scheduler settings, with defaults, and refuses values out of range', () => {
    expect(loadConfig({}).deadlines).toEqual({ scanSeconds: 60, leadDays: 15 });
    expect(loadConfig({ PERCORSI_DEADLINE_SCAN_SECONDS: '0', PERCORSI_DEADLINE_LEAD_DAYS: '30' }).deadlines).toEqual({
      scanSeconds: 0,
      leadDays: 30,
    });
    expect(catchConfigError({ PERCORSI_DEADLINE_SCAN_SECONDS: '-1', PERCORSI_DEADLINE_LEAD_DAYS: '0' }).problems).toEqual([
      "PERCORSI_DEADLINE_SCAN_SECONDS must be an integer from 0 to 86400, got '-1'",
      "PERCORSI_DEADLINE_LEAD_DAYS must be an integer from 1 to 365, got '0'",
    ]);
  });

  it('documents every variable it reads, with a default', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'PERCORSI_DATA_DIR']));
    expect(names.filter((n) => !['PORT', 'DATABASE_URL', 'NODE_ENV'].includes(n)).every((n) => n.startsWith('PERCORSI_'))).toBe(true);
    for (const v of CONFIG_VARIABLES) expect(v.description.length).toBeGreaterThan(10);
  });
});

describe('the README', () => {
  it('documents every configuration variable with its default', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of CONFIG_VARIABLES) {
      const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${v.name}\``));
      expect({ variable: v.name, row: row?.includes(v.default) ? 'documented' : row }).toEqual({ variable: v.name, row: 'documented' });
    }
  });
});

function catchConfigError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}
