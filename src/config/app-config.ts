import path from 'node:path';
import { allowlistEntryError } from './network-address.js';
import { loadOidcConfig, OIDC_CONFIG_VARIABLES, type OidcConfig } from './oidc-config.js';

export type Language = 'it' | 'en';

/** The service's configuration, read once from the environment and validated at start-up. */
export interface AppConfig {
  port: number;
  host: string;
  /** Unset: the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Loopback port of the embedded database's socket server (0: any free port). */
  embeddedDbPort: number;
  /** PostgreSQL schema the service's tables live in. */
  dbSchema: string;
  dbPoolSize: number;
  defaultLanguage: Language;
  logLevel: string;
  shutdownTimeoutMs: number;
  shutdownDrainMs: number;
  /** Open Server-Sent Event streams (GET /cases/:id/stream and /inspection) per process; beyond it 503 TOO_MANY_STREAMS. */
  maxStreams: number;
  /** `production` makes PERCORSI_SECRET_KEY mandatory with DATABASE_URL. */
  production: boolean;
  /** 32-byte key encrypting webhook secrets at rest; null: generated into the data folder. */
  secretKey: Buffer | null;
  webhooks: {
    /** Hosts and CIDRs exempt from the SSRF guard. */
    allowlist: string[];
    allowHttp: boolean;
    timeoutMs: number;
    /** Run the dispatcher in this process (every replica may: they claim with SKIP LOCKED). */
    dispatch: boolean;
    pollMs: number;
    /**
     * A claim's lease, renewed every third of it while its attempt runs (so it needs not exceed the
     * timeout). A dead dispatcher's claims are taken over within about leaseMs + pollMs; no rule ties
     * the two: a poll longer than the lease only makes that takeover later.
     */
    leaseMs: number;
    concurrency: number;
  };
  /** Step 7, the legal deadlines' scheduler (every replica may run it: it claims with SKIP LOCKED). */
  deadlines: {
    /** Seconds between two scans for due deadlines; 0: no scheduler in this process. */
    scanSeconds: number;
    /** DEADLINE_APPROACHING is recorded this many days before the due day (Europe/Rome). */
    leadDays: number;
  };
  /** Step 6, identity: built-in accounts, sessions, and how far to trust a reverse proxy. */
  identity: {
    /** The first admin's password; null: generated and logged once (only when no admin exists). */
    adminPassword: string | null;
    sessionIdleMinutes: number;
    sessionMaxHours: number;
    /** Express's `trust proxy` setting: false, true, a number of hops, or addresses/CIDRs (req.secure, req.ip). */
    trustProxy: boolean | number | string;
  };
  /** Sign-in through an OpenID provider (PERCORSI_OIDC_*, src/config/oidc-config.ts); null: off. */
  oidc: OidcConfig | null;
}

type Env = Record<string, string | undefined>;

interface VariableSpec {
  name: string;
  description: string;
  default: string;
}

/** Every variable the service reads: the README's configuration table is this list, in words. */
export const CONFIG_VARIABLES: VariableSpec[] = [
  { name: 'PORT', description: 'The HTTP port the API listens on.', default: '3000' },
  { name: 'PERCORSI_HOST', description: 'Address the HTTP server binds to.', default: '0.0.0.0' },
  {
    name: 'DATABASE_URL',
    description: 'PostgreSQL (14+) connection string. Unset: the embedded PGlite database in PERCORSI_DATA_DIR.',
    default: '(unset)',
  },
  { name: 'PERCORSI_DATA_DIR', description: "The embedded database's folder (only without DATABASE_URL).", default: './data' },
  { name: 'PERCORSI_EMBEDDED_DB_PORT', description: "Loopback port of the embedded database's socket (0: any free port).", default: '0' },
  { name: 'PERCORSI_DB_SCHEMA', description: 'PostgreSQL schema for the tables (created if missing).', default: 'public' },
  { name: 'PERCORSI_DB_POOL_SIZE', description: 'Connections to PostgreSQL (the embedded database always uses 1).', default: '20' },
  {
    name: 'PERCORSI_DEFAULT_LANGUAGE',
    description: 'Language of messages when Accept-Language names neither `it` nor `en`.',
    default: 'it',
  },
  { name: 'NODE_ENV', description: '`production` requires PERCORSI_SECRET_KEY when DATABASE_URL is set.', default: 'development' },
  {
    name: 'PERCORSI_SECRET_KEY',
    description:
      'Key (32 bytes, base64 or hex) encrypting webhook secrets at rest. Unset: generated once into PERCORSI_DATA_DIR/secret.key (refused in production with DATABASE_URL).',
    default: '(generated)',
  },
  {
    name: 'PERCORSI_WEBHOOK_ALLOWLIST',
    description: 'Comma-separated hosts and CIDRs that webhooks may reach although private, loopback or link-local (SSRF guard).',
    default: '(empty)',
  },
  { name: 'PERCORSI_WEBHOOK_ALLOW_HTTP', description: 'Allow http:// webhook URLs (otherwise https only).', default: 'false' },
  { name: 'PERCORSI_WEBHOOK_TIMEOUT_MS', description: 'Timeout of one webhook delivery attempt.', default: '15000' },
  { name: 'PERCORSI_WEBHOOK_DISPATCH', description: 'Deliver webhooks from this process (safe on every replica).', default: 'true' },
  {
    name: 'PERCORSI_WEBHOOK_POLL_MS',
    description: 'How often the dispatcher looks for due deliveries when not woken by a commit.',
    default: '1000',
  },
  {
    name: 'PERCORSI_WEBHOOK_LEASE_MS',
    description:
      'How long a claimed delivery stays with its dispatcher without news (renewed every third of it while the attempt runs) before another may take it over.',
    default: '5000',
  },
  { name: 'PERCORSI_WEBHOOK_CONCURRENCY', description: 'Deliveries in flight at once per process.', default: '16' },
  {
    name: 'PERCORSI_MAX_STREAMS',
    description:
      'Live streams (GET /cases/:id/stream and /cases/:id/inspection) open at once per process; more are refused with 503 TOO_MANY_STREAMS.',
    default: '500',
  },
  {
    name: 'PERCORSI_LOG_LEVEL',
    description:
      'trace, debug, info, warn, error, fatal or silent. Logs are readable lines (pino-pretty) when stdout is a terminal, JSON lines otherwise.',
    default: 'info',
  },
  { name: 'PERCORSI_SHUTDOWN_TIMEOUT_MS', description: 'How long a graceful shutdown waits for in-flight requests.', default: '10000' },
  {
    name: 'PERCORSI_SHUTDOWN_DRAIN_MS',
    description: 'On SIGTERM, how long /health answers 503 (so a load balancer stops sending requests) before the listener closes.',
    default: '0',
  },
  // Step 7, deadlines.
  {
    name: 'PERCORSI_DEADLINE_SCAN_SECONDS',
    description:
      'How often the deadline scheduler looks for legal deadlines that approach or have passed, and records DEADLINE_APPROACHING / DEADLINE_OVERDUE (safe on every replica). 0: no scheduler in this process.',
    default: '60',
  },
  {
    name: 'PERCORSI_DEADLINE_LEAD_DAYS',
    description: 'How many days before its due day (Europe/Rome) a legal deadline is announced as approaching.',
    default: '15',
  },
  // Step 6, identity.
  {
    name: 'PERCORSI_ADMIN_PASSWORD',
    description:
      'On a start that finds no operator with the admin role: the password of the `admin` account it creates (at least 12 characters). Unset: one is generated and logged once, at warn level.',
    default: '(generated)',
  },
  {
    name: 'PERCORSI_SESSION_IDLE_MINUTES',
    description: 'A browser session ends after this many minutes without a request.',
    default: '30',
  },
  {
    name: 'PERCORSI_SESSION_MAX_HOURS',
    description: 'A browser session ends this many hours after sign-in, however active.',
    default: '12',
  },
  {
    name: 'PERCORSI_TRUST_PROXY',
    description:
      "Express's `trust proxy`: `false`, `true`, a number of hops, or comma-separated addresses/CIDRs (`loopback`, `10.0.0.0/8`). Decides whether X-Forwarded-Proto makes a request https (the session cookie is then `Secure`) and X-Forwarded-For its address (sign-in throttling).",
    default: 'false',
  },
  ...OIDC_CONFIG_VARIABLES,
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Reads and validates the configuration; every problem is reported at once. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? CONFIG_VARIABLES.find((v) => v.name === name)!.default : raw;
  };
  const integer = (name: string, min: number, max: number): number => {
    const raw = value(name);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return min;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const raw = value(name);
    if (!allowed.includes(raw as T)) problems.push(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
    return raw as T;
  };
  const boolean = (name: string): boolean => oneOf(name, ['true', 'false']) === 'true';

  const rawUrl = env.DATABASE_URL?.trim() ?? '';
  let databaseUrl: string | null = null;
  if (rawUrl !== '') {
    try {
      const url = new URL(rawUrl);
      if (!['postgres:', 'postgresql:'].includes(url.protocol))
        problems.push(`DATABASE_URL must be a postgres:// URL, got '${url.protocol}'`);
      databaseUrl = rawUrl;
    } catch {
      problems.push('DATABASE_URL is not a valid URL');
    }
  }
  const schema = value('PERCORSI_DB_SCHEMA');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) problems.push(`PERCORSI_DB_SCHEMA must be a lower-case SQL identifier, got '${schema}'`);

  const config: Omit<AppConfig, 'production' | 'secretKey' | 'webhooks' | 'deadlines' | 'identity' | 'oidc'> & Partial<AppConfig> = {
    port: integer('PORT', 0, 65535),
    host: value('PERCORSI_HOST'),
    databaseUrl,
    dataDir: path.resolve(cwd, value('PERCORSI_DATA_DIR')),
    embeddedDbPort: integer('PERCORSI_EMBEDDED_DB_PORT', 0, 65535),
    dbSchema: schema,
    dbPoolSize: integer('PERCORSI_DB_POOL_SIZE', 1, 500),
    defaultLanguage: oneOf('PERCORSI_DEFAULT_LANGUAGE', ['it', 'en'] as const),
    logLevel: oneOf('PERCORSI_LOG_LEVEL', LOG_LEVELS),
    shutdownTimeoutMs: integer('PERCORSI_SHUTDOWN_TIMEOUT_MS', 0, 600000),
    shutdownDrainMs: integer('PERCORSI_SHUTDOWN_DRAIN_MS', 0, 600000),
    maxStreams: integer('PERCORSI_MAX_STREAMS', 0, 100000),
  };
  const rawKey = env.PERCORSI_SECRET_KEY?.trim() ?? '';
  let secretKey: Buffer | null = null;
  if (rawKey !== '') {
    secretKey = /^[0-9a-f]{64}$/i.test(rawKey) ? Buffer.from(rawKey, 'hex') : Buffer.from(rawKey, 'base64');
    if (secretKey.length !== 32) problems.push('PERCORSI_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  }
  const production = value('NODE_ENV') === 'production';
  if (production && databaseUrl && !secretKey)
    problems.push('PERCORSI_SECRET_KEY is required in production with DATABASE_URL (webhook secrets are encrypted with it)');
  const allowlist = (env.PERCORSI_WEBHOOK_ALLOWLIST ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of allowlist) {
    const problem = allowlistEntryError(entry);
    if (problem) problems.push(`PERCORSI_WEBHOOK_ALLOWLIST: ${problem}`);
  }
  config.production = production;
  config.secretKey = secretKey;
  config.webhooks = {
    allowlist,
    allowHttp: boolean('PERCORSI_WEBHOOK_ALLOW_HTTP'),
    timeoutMs: integer('PERCORSI_WEBHOOK_TIMEOUT_MS', 100, 600000),
    dispatch: boolean('PERCORSI_WEBHOOK_DISPATCH'),
    pollMs: integer('PERCORSI_WEBHOOK_POLL_MS', 10, 600000),
    leaseMs: integer('PERCORSI_WEBHOOK_LEASE_MS', 1000, 86400000),
    concurrency: integer('PERCORSI_WEBHOOK_CONCURRENCY', 1, 256),
  };
  config.deadlines = {
    scanSeconds: integer('PERCORSI_DEADLINE_SCAN_SECONDS', 0, 86400),
    leadDays: integer('PERCORSI_DEADLINE_LEAD_DAYS', 1, 365),
  };
  const adminPassword = env.PERCORSI_ADMIN_PASSWORD ?? '';
  if (adminPassword !== '' && (adminPassword.length < 12 || adminPassword.length > 1024))
    problems.push('PERCORSI_ADMIN_PASSWORD must be 12 to 1024 characters');
  const rawProxy = value('PERCORSI_TRUST_PROXY');
  config.identity = {
    adminPassword: adminPassword === '' ? null : adminPassword,
    sessionIdleMinutes: integer('PERCORSI_SESSION_IDLE_MINUTES', 1, 10080),
    sessionMaxHours: integer('PERCORSI_SESSION_MAX_HOURS', 1, 8760),
    trustProxy: rawProxy === 'true' ? true : rawProxy === 'false' ? false : /^\d+$/.test(rawProxy) ? Number(rawProxy) : rawProxy,
  };
  config.oidc = loadOidcConfig(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config as AppConfig;
}

/** The Nest injection token of the AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
