/*
 * Sign-in through an OpenID provider (Keycloak, Entra ID, ...): the PERCORSI_OIDC_* variables. All are
 * optional: without PERCORSI_OIDC_ISSUER OpenID Connect is off; with it, the client id and secret, the
 * audience and the redirect URL are required, and every missing one is reported at once.
 */

/** How the service talks to its OpenID provider; null in AppConfig when OpenID Connect is off. */
export interface OidcConfig {
  /** The provider's issuer identifier (its discovery document is at issuer + /.well-known/openid-configuration). */
  issuer: string;
  /** The `aud` the API's access tokens must carry. */
  audience: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back (the service's GET /auth/oidc/callback). */
  redirectUrl: string;
  /** The ID and access token claim naming the operator (its username). */
  operatorClaim: string;
  /** The access token claim listing role names that narrow the operator's registry roles; null: not read. */
  rolesClaim: string | null;
  scopes: string[];
}

export const OIDC_CONFIG_VARIABLES = [
  {
    name: 'PERCORSI_OIDC_ISSUER',
    description:
      "OpenID provider's issuer URL (https; http only on loopback). Unset: no OpenID Connect. Set: the other PERCORSI_OIDC_* without a default are required.",
    default: '(unset)',
  },
  { name: 'PERCORSI_OIDC_AUDIENCE', description: 'The `aud` the access tokens of the API must carry.', default: '(unset)' },
  { name: 'PERCORSI_OIDC_CLIENT_ID', description: "The service's client id at the provider (a confidential client).", default: '(unset)' },
  { name: 'PERCORSI_OIDC_CLIENT_SECRET', description: "That client's secret.", default: '(unset)' },
  {
    name: 'PERCORSI_OIDC_REDIRECT_URL',
    description: "The service's callback as the browser reaches it, e.g. https://percorsi.example/auth/oidc/callback.",
    default: '(unset)',
  },
  {
    name: 'PERCORSI_OIDC_OPERATOR_CLAIM',
    description: "The token claim holding the operator's username (matched to a Percorsi operator).",
    default: 'preferred_username',
  },
  {
    name: 'PERCORSI_OIDC_ROLES_CLAIM',
    description:
      "An access token claim (an array of role names, or a space-separated string; a dotted name reaches into objects, e.g. realm_access.roles) that narrows the operator's roles to those it lists. Unset: the registry's roles.",
    default: '(unset)',
  },
  {
    name: 'PERCORSI_OIDC_SCOPES',
    description: 'Space-separated scopes asked at sign-in (openid is required).',
    default: 'openid profile email',
  },
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether `url` may be reached over plain http: loopback only (tests, a provider on the same host). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

type Env = Record<string, string | undefined>;

/** Reads the PERCORSI_OIDC_* variables, pushing what is wrong into `problems` (AppConfig reports them together). */
export function loadOidcConfig(env: Env, problems: string[]): OidcConfig | null {
  const read = (name: string): string => env[name]?.trim() ?? '';
  const issuer = read('PERCORSI_OIDC_ISSUER');
  if (issuer === '') return null;

  const url = (name: string, text: string): void => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      problems.push(`${name} is not a valid URL`);
      return;
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackUrl(parsed)))
      problems.push(`${name} must be an https URL (http only on loopback), got '${parsed.protocol}'`);
  };
  url('PERCORSI_OIDC_ISSUER', issuer);

  const required = ['PERCORSI_OIDC_AUDIENCE', 'PERCORSI_OIDC_CLIENT_ID', 'PERCORSI_OIDC_CLIENT_SECRET', 'PERCORSI_OIDC_REDIRECT_URL'];
  const missing = required.filter((name) => read(name) === '');
  if (missing.length > 0)
    problems.push(`PERCORSI_OIDC_ISSUER is set, so ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  const redirectUrl = read('PERCORSI_OIDC_REDIRECT_URL');
  if (redirectUrl !== '') url('PERCORSI_OIDC_REDIRECT_URL', redirectUrl);

  // An ID token's aud is the client id: were it also the API's audience, ID tokens would pass as access tokens.
  if (read('PERCORSI_OIDC_AUDIENCE') !== '' && read('PERCORSI_OIDC_AUDIENCE') === read('PERCORSI_OIDC_CLIENT_ID'))
    problems.push('PERCORSI_OIDC_AUDIENCE must differ from PERCORSI_OIDC_CLIENT_ID (else ID tokens would be taken as access tokens)');

  const withDefault = (name: string) => read(name) || OIDC_CONFIG_VARIABLES.find((v) => v.name === name)!.default;
  const operatorClaim = withDefault('PERCORSI_OIDC_OPERATOR_CLAIM');
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(operatorClaim))
    problems.push(`PERCORSI_OIDC_OPERATOR_CLAIM must be a claim name (letters, digits, _ . : -), got '${operatorClaim}'`);
  const rolesClaim = read('PERCORSI_OIDC_ROLES_CLAIM');
  if (rolesClaim !== '' && !/^[A-Za-z0-9_.:-]{1,100}$/.test(rolesClaim))
    problems.push(`PERCORSI_OIDC_ROLES_CLAIM must be a claim name (letters, digits, _ . : -), got '${rolesClaim}'`);
  const scopes = withDefault('PERCORSI_OIDC_SCOPES').split(/\s+/);
  if (!scopes.includes('openid')) problems.push("PERCORSI_OIDC_SCOPES must include 'openid'");

  return {
    issuer,
    audience: read('PERCORSI_OIDC_AUDIENCE'),
    clientId: read('PERCORSI_OIDC_CLIENT_ID'),
    clientSecret: read('PERCORSI_OIDC_CLIENT_SECRET'),
    redirectUrl,
    operatorClaim,
    rolesClaim: rolesClaim === '' ? null : rolesClaim,
    scopes,
  };
}
