import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/app-config.js';
import { ComposeInterpolationError, composeEnvironment, interpolate, readComposeFile, readDockerfile } from '../support/compose.js';

/**
 * Docker does not run in CI: this reads docker-compose.yml and the Dockerfile as compose and docker
 * would, and checks that the service's configuration loader accepts the environment the `percorsi`
 * service gets, in production mode, so that a change to either file that would crash-loop the
 * container fails here.
 */
describe('docker-compose.yml and the Dockerfile, as docker compose up runs them', () => {
  const compose = readComposeFile();
  const stages = readDockerfile();
  const runtime = stages.at(-1)!;
  const service = compose.services.percorsi;
  const secret = randomBytes(32).toString('base64');

  /** The container's environment: the image's ENV, then compose's `environment` over it. */
  const containerEnv = (shell: Record<string, string | undefined>) => ({ ...runtime.env, ...composeEnvironment(service, shell) });

  it('compose interpolation, as the Compose specification defines it', () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(interpolate('a$$b ${SET} $SET ${UNSET} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:+r} ${UNSET:+r}', env)).toBe('a$b x x  d  d r ');
    expect(interpolate('${UNSET:-${SET}}', env)).toBe('x');
    expect(() => interpolate('${EMPTY:?needed}', env)).toThrow('required variable EMPTY is missing a value: needed');
    expect(interpolate('${EMPTY?needed}', env)).toBe('');
    expect(() => interpolate('${UNSET?needed}', env)).toThrow(ComposeInterpolationError);
  });

  it('the image runs Node 24, in production mode', () => {
    expect(stages.map((s) => s.from)).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(runtime.env.NODE_ENV).toBe('production');
  });

  it('the percorsi service, given PERCORSI_SECRET_KEY, gets a configuration the service accepts in production on PostgreSQL', () => {
    const config = loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret }), '/app');
    expect(config.production).toBe(true);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(config.secretKey?.toString('base64')).toBe(secret);
  });

  it('without PERCORSI_SECRET_KEY, compose refuses to start it and says how to make one', () => {
    for (const shell of [{}, { PERCORSI_SECRET_KEY: '' }]) {
      expect(() => containerEnv(shell)).toThrow(
        /^required variable PERCORSI_SECRET_KEY is missing a value: .*openssl rand -base64 32.*\.env/,
      );
    }
  });

  it('the published port and the health check reach the port the service listens on', () => {
    const config = loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret }), '/app');
    expect(service.ports?.map((p) => String(p).split(':').at(-1))).toEqual([String(config.port)]);
    const healthcheck = [service.healthcheck?.test ?? []].flat().join(' ');
    expect(healthcheck).toContain(`http://127.0.0.1:${config.port}/health`);
    // The image's own health check reads PORT, which the image sets to the same port.
    expect(runtime.env.PORT).toBe(String(config.port));
  });

  it('the tests service runs the whole suite, browsers included, on both databases', () => {
    const tests = compose.services.tests;
    expect(tests.image).toBe('node:24-bookworm');
    const command = [tests.command ?? []].flat().join(' ');
    expect(command).toMatch(/apt-get install .*chromium firefox-esr/);
    expect(command).toMatch(/npm ci && npm test && DATABASE_URL=\$\$PG_URL npm test$/);
    expect(composeEnvironment(tests, {}).PG_URL).toBe(composeEnvironment(service, { PERCORSI_SECRET_KEY: secret }).DATABASE_URL);
  });
});
