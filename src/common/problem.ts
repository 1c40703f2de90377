import type { Language } from '../config/app-config.js';

/** Every problem the API can answer with: its stable code, HTTP status and title. */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: { it: 'Richiesta non valida', en: 'Invalid request' } },
  MALFORMED_JSON: { status: 400, title: { it: 'JSON non valido', en: 'Malformed JSON' } },
  MALFORMED_PATH: { status: 400, title: { it: 'Percorso non decodificabile', en: 'Undecodable path' } },
  VALUE_NOT_STORABLE: { status: 400, title: { it: 'Valore non memorizzabile', en: 'Value cannot be stored' } },
  MALFORMED_REQUEST: { status: 400, title: { it: 'Richiesta HTTP non valida', en: 'Malformed HTTP request' } },
  UNAUTHENTICATED: { status: 401, title: { it: 'Autenticazione richiesta', en: 'Authentication required' } },
  INVALID_CREDENTIALS: { status: 401, title: { it: 'Credenziali non valide', en: 'Invalid credentials' } },
  OIDC_SIGN_IN_FAILED: {
    status: 401,
    title: { it: "Accesso con l'account dell'ente non riuscito", en: "Sign-in with the organisation's account failed" },
  },
  FORBIDDEN: { status: 403, title: { it: 'Operazione non consentita', en: 'Forbidden' } },
  CASE_NOT_FOUND: { status: 404, title: { it: 'Caso non trovato', en: 'Case not found' } },
  PATHWAY_NOT_FOUND: { status: 404, title: { it: 'Percorso non trovato', en: 'Pathway not found' } },
  SUBSCRIPTION_NOT_FOUND: { status: 404, title: { it: 'Sottoscrizione non trovata', en: 'Subscription not found' } },
  DELIVERY_NOT_FOUND: { status: 404, title: { it: 'Consegna non trovata', en: 'Delivery not found' } },
  AGENCY_NOT_FOUND: { status: 404, title: { it: 'Ente non trovato', en: 'Agency not found' } },
  OFFICE_NOT_FOUND: { status: 404, title: { it: 'Sede non trovata', en: 'Office not found' } },
  OPERATOR_NOT_FOUND: { status: 404, title: { it: 'Operatore non trovato', en: 'Operator not found' } },
  TOKEN_NOT_FOUND: { status: 404, title: { it: 'Token non trovato', en: 'Token not found' } },
  OIDC_NOT_CONFIGURED: {
    status: 404,
    title: { it: 'Accesso con OpenID Connect non configurato', en: 'OpenID Connect sign-in not configured' },
  },
  MATCH_NOT_FOUND: { status: 404, title: { it: 'Abbinamento non trovato', en: 'Match not found' } },
  ROUTE_NOT_FOUND: { status: 404, title: { it: 'Risorsa inesistente', en: 'No such resource' } },
  METHOD_NOT_ALLOWED: { status: 405, title: { it: 'Metodo non ammesso', en: 'Method not allowed' } },
  CASE_ALREADY_OPEN: {
    status: 409,
    title: { it: 'Il soggetto ha già un caso aperto su questo percorso', en: 'The subject already has an open case on this pathway' },
  },
  TRANSITION_NOT_ALLOWED: { status: 409, title: { it: 'Passaggio non consentito', en: 'Transition not allowed' } },
  CASE_MACHINE_OUTDATED: {
    status: 409,
    title: { it: 'Il caso usa una versione del percorso non più in servizio', en: 'The case runs on a machine version no longer served' },
  },
  CASE_HISTORY_NOT_REPLAYABLE: {
    status: 409,
    title: { it: 'La storia del caso non si può rieseguire', en: "The case's history does not replay" },
  },
  MATCH_OUTCOME_RECORDED: {
    status: 409,
    title: { it: "L'esito dell'abbinamento è già registrato", en: "The match's outcome is already recorded" },
  },
  MATCH_PRACTICE_MIXED: {
    status: 409,
    title: { it: 'Un caso di esercitazione non si abbina a un caso reale', en: 'A practice case cannot be matched with a real case' },
  },
  USERNAME_TAKEN: { status: 409, title: { it: 'Nome utente già in uso', en: 'Username already taken' } },
  DELIVERY_IN_FLIGHT: { status: 409, title: { it: 'Consegna in corso', en: 'Delivery in flight' } },
  VERSION_CONFLICT: { status: 412, title: { it: 'Il caso è cambiato nel frattempo', en: 'The case has changed meanwhile' } },
  PAYLOAD_TOO_LARGE: { status: 413, title: { it: 'Richiesta troppo grande', en: 'Request body too large' } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: { it: 'Formato non supportato', en: 'Unsupported media type' } },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: { it: 'Chiave di idempotenza già usata per un’altra richiesta', en: 'Idempotency key already used for another request' },
  },
  TOO_MANY_ATTEMPTS: { status: 429, title: { it: 'Troppi tentativi di accesso', en: 'Too many sign-in attempts' } },
  HEADERS_TOO_LARGE: { status: 431, title: { it: 'Intestazioni troppo grandi', en: 'Request headers too large' } },
  DATABASE_UNAVAILABLE: { status: 503, title: { it: 'Database non disponibile', en: 'Database unavailable' } },
  OIDC_PROVIDER_UNAVAILABLE: {
    status: 503,
    title: { it: 'Il fornitore di identità non risponde', en: 'The identity provider is unavailable' },
  },
  TOO_MANY_STREAMS: { status: 503, title: { it: 'Troppi flussi aperti', en: 'Too many open streams' } },
  SHUTTING_DOWN: { status: 503, title: { it: 'Servizio in arresto', en: 'Service shutting down' } },
  INTERNAL_ERROR: { status: 500, title: { it: 'Errore interno', en: 'Internal error' } },
} as const satisfies Record<string, { status: number; title: Record<Language, string> }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** OIDC_SIGN_IN_FAILED's `reason`: the step of GET /auth/oidc/callback that failed (docs/oidc.md). */
export const OIDC_SIGN_IN_FAILURES = [
  /** No flow cookie: the sign-in did not start in this browser, or its 10 minutes are over. */
  'flow_missing',
  /** The flow cookie does not open: altered, or sealed with another key. */
  'flow_invalid',
  /** The flow cookie opens but its 10 minutes are over. */
  'flow_expired',
  'state_mismatch',
  'login_refused',
  'invalid_response',
  'missing_operator_claim',
  /** The operator claim names no enabled Percorsi operator. */
  'unknown_operator',
] as const;
export type OidcSignInFailure = (typeof OIDC_SIGN_IN_FAILURES)[number];

/** A field that failed validation, as the API shows it (message in the request's language). */
export interface FieldError {
  field: string;
  problem: string;
  message?: string;
}

/** A field that failed validation, as the code reports it: the message in both languages. */
export interface FieldIssue {
  field: string;
  problem: string;
  message?: Record<Language, string>;
}

const PROBLEM_MESSAGES: Record<string, Record<Language, string>> = {
  required: { it: 'obbligatorio', en: 'required' },
  type: { it: 'tipo errato', en: 'wrong type' },
  range: { it: 'fuori dai limiti', en: 'out of range' },
  enum: { it: 'valore non ammesso', en: 'value not allowed' },
  format: { it: 'formato non valido', en: 'invalid format' },
  unknown: { it: 'campo non previsto', en: 'unexpected field' },
};

/**
 * An error the API answers with as RFC 9457 problem+json. `detail` is per language; extensions
 * (`reasons`, `errors`, `currentVersion`...) are added to the body as they are.
 */
export class ProblemException extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: Record<Language, string>,
    readonly extensions: Record<string, unknown> | ((language: Language) => Record<string, unknown>) = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail.en}`);
    this.name = 'ProblemException';
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export const problemType = (code: ProblemCode): string => `urn:percorsi:problem:${code.toLowerCase().replaceAll('_', '-')}`;

export function validationFailed(issues: FieldIssue[]): ProblemException {
  const list = issues.map((e) => `${e.field} (${e.problem})`).join(', ');
  return new ProblemException('VALIDATION_FAILED', { it: `Campi non validi: ${list}.`, en: `Invalid fields: ${list}.` }, (language) => ({
    errors: issues.map((e): FieldError => {
      const message = (e.message ?? PROBLEM_MESSAGES[e.problem])?.[language];
      return { field: e.field, problem: e.problem, ...(message ? { message } : {}) };
    }),
  }));
}
