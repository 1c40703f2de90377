import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/app-config.js';
import { OIDC_CONFIG_VARIABLES } from '../../src/config/oidc-config.js';
import { ComposeInterpolationError, composeEnvironment, interpolate, readComposeFile, readDockerfile } from '../support/compose.js';
import { ROOT } from '../support/service-process.js';

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

  it("the image holds the pages' files the service reads at run time (every web/ folder under src/), besides dist/", () => {
    const webFolders = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) => (entry.name === 'web' ? [`${dir}/web`] : webFolders(`${dir}/${entry.name}`)));
    const copied = runtime.copies.filter((args) => !args.some((a) => a.startsWith('--from'))).map((args) => args[0]);
    expect(webFolders('src').sort()).toEqual(['src/identity/web', 'src/inspector/web', 'src/web']);
    for (const folder of webFolders('src')) expect(copied).toContain(folder);
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

  it('passes PERCORSI_ADMIN_PASSWORD through: unset or empty, the first start generates one', () => {
    expect(loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret }), '/app').identity.adminPassword).toBeNull();
    const password = 'correct horse battery staple';
    expect(
      loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret, PERCORSI_ADMIN_PASSWORD: password }), '/app').identity.adminPassword,
    ).toBe(password);
  });

  it('passes every PERCORSI_OIDC_* variable of the loader through, and leaves OpenID Connect off when they are unset', () => {
    const names = Object.keys(composeEnvironment(service, { PERCORSI_SECRET_KEY: secret })).filter((n) => n.startsWith('PERCORSI_OIDC_'));
    expect(names.sort()).toEqual(OIDC_CONFIG_VARIABLES.map((v) => v.name).sort());
    expect(loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret }), '/app').oidc).toBeNull();

    const provider = {
      PERCORSI_OIDC_ISSUER: 'https://sso.regione.example/realms/percorsi',
      PERCORSI_OIDC_AUDIENCE: 'percorsi-api',
      PERCORSI_OIDC_CLIENT_ID: 'percorsi',
      PERCORSI_OIDC_CLIENT_SECRET: 'client-secret',
      PERCORSI_OIDC_REDIRECT_URL: 'https://percorsi.regione.example/auth/oidc/callback',
      PERCORSI_OIDC_ROLES_CLAIM: 'realm_access.roles',
    };
    expect(loadConfig(containerEnv({ PERCORSI_SECRET_KEY: secret, ...provider }), '/app').oidc).toEqual({
      issuer: provider.PERCORSI_OIDC_ISSUER,
      audience: 'percorsi-api',
      clientId: 'percorsi',
      clientSecret: 'client-secret',
      redirectUrl: provider.PERCORSI_OIDC_REDIRECT_URL,
      operatorClaim: 'preferred_username',
      rolesClaim: 'realm_access.roles',
      scopes: ['openid', 'profile', 'email'],
    });
  });

  it('the keycloak profile: a development Keycloak on port 8080 of the loopback, started only when asked for', () => {
    const keycloak = compose.services.keycloak;
    expect(keycloak.profiles).toEqual(['keycloak']);
    expect(service.profiles).toBeUndefined();
    expect(keycloak.image).toMatch(/^quay\.io\/keycloak\/keycloak:26\./);
    expect([keycloak.command ?? []].flat()).toEqual(['start-dev']);
    expect(keycloak.ports).toEqual(['127.0.0.1:8080:8080']);
    // Keycloak 26's bootstrap admin, from the environment (defaults for a development server).
    expect(composeEnvironment(keycloak, {})).toEqual({ KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: 'admin' });
    expect(composeEnvironment(keycloak, { KEYCLOAK_ADMIN: 'kc', KEYCLOAK_ADMIN_PASSWORD: 'pw' })).toEqual({
      KC_BOOTSTRAP_ADMIN_USERNAME: 'kc',
      KC_BOOTSTRAP_ADMIN_PASSWORD: 'pw',
    });
  });

  it("the keycloak profile's issuer, as the compose file says: refused from the container (plain http, not loopback), taken by a service on the host", () => {
    const keycloak = {
      PERCORSI_OIDC_AUDIENCE: 'percorsi-api',
      PERCORSI_OIDC_CLIENT_ID: 'percorsi',
      PERCORSI_OIDC_CLIENT_SECRET: 'client-secret',
      PERCORSI_OIDC_REDIRECT_URL: 'http://localhost:3000/auth/oidc/callback',
    };
    // In the compose network the Keycloak of the profile is http://keycloak:8080.
    expect(() =>
      loadConfig(
        containerEnv({ PERCORSI_SECRET_KEY: secret, ...keycloak, PERCORSI_OIDC_ISSUER: 'http://keycloak:8080/realms/percorsi' }),
        '/app',
      ),
    ).toThrow(/PERCORSI_OIDC_ISSUER must be an https URL \(http only on loopback\)/);
    // `npm start` on the host, with the lines the compose file's comment gives.
    const hostRun = loadConfig({ ...keycloak, PERCORSI_OIDC_ISSUER: 'http://localhost:8080/realms/percorsi' }, '/app');
    expect(hostRun.oidc?.issuer).toBe('http://localhost:8080/realms/percorsi');
    const composeFile = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const [name, value] of Object.entries({
      PERCORSI_OIDC_ISSUER: 'http://localhost:8080/realms/percorsi',
      PERCORSI_OIDC_REDIRECT_URL: keycloak.PERCORSI_OIDC_REDIRECT_URL,
    }))
      expect(composeFile).toContain(`#   ${name}=${value}`);
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
