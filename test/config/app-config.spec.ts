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
      defaultOperator: { id: 'operator', kind: 'cpi' },
      trustOperatorHeaders: false,
      defaultLanguage: 'it',
    });
  });

  it('reads DATABASE_URL and the PERCORSI_* variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/percorsi',
      PERCORSI_DEFAULT_OPERATOR_KIND: 'accredited',
      PERCORSI_DEFAULT_LANGUAGE: 'en',
      PERCORSI_DATA_DIR: '/var/lib/percorsi',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/percorsi',
      defaultLanguage: 'en',
      dataDir: '/var/lib/percorsi',
    });
    expect(config.defaultOperator.kind).toBe('accredited');
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        PERCORSI_DEFAULT_OPERATOR_KIND: 'boss',
        PERCORSI_DB_SCHEMA: 'Robert"); DROP',
        PERCORSI_TRUST_OPERATOR_HEADERS: 'yes',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'PERCORSI_DEFAULT_OPERATOR_KIND',
      'PERCORSI_DB_SCHEMA',
      'PERCORSI_TRUST_OPERATOR_HEADERS',
    ]) {
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
