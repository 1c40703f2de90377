import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OidcLogin, OidcLoginError } from '../auth/oidc/oidc-login.js';
import { Clock } from '../common/clock.js';
import { ProblemException, type OidcSignInFailure } from '../common/problem.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { WWW_AUTHENTICATE } from './identity.guard.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { oidcProviderUnavailable } from './oidc-bearer-verifier.js';
import { OidcFlowCookie } from './oidc-flow-cookie.js';
import { safeNext } from './sign-in-next.js';

/** The OpenID sign-in's parts, made from the configuration; null when OpenID Connect is off. */
export const OIDC_SIGN_IN = Symbol('OIDC_SIGN_IN');
export interface OidcSignInParts {
  login: OidcLogin;
  flowCookie: OidcFlowCookie;
}

const FAILURE_DETAIL: Record<OidcSignInFailure, { it: string; en: string }> = {
  flow_missing: {
    it: 'Nessun accesso in corso in questo browser, o sono passati più di 10 minuti: ricominciare da /auth/login.',
    en: 'No sign-in in progress in this browser, or more than 10 minutes have passed: start again from /auth/login.',
  },
  flow_invalid: {
    it: "Il cookie dell'accesso in corso non è valido: ricominciare da /auth/login.",
    en: 'The cookie of the sign-in in progress is not valid: start again from /auth/login.',
  },
  flow_expired: {
    it: "Sono passati più di 10 minuti dall'inizio dell'accesso: ricominciare da /auth/login.",
    en: 'More than 10 minutes have passed since the sign-in began: start again from /auth/login.',
  },
  state_mismatch: {
    it: "La risposta del fornitore di identità non appartiene all'accesso iniziato in questo browser.",
    en: 'The identity provider’s answer does not belong to the sign-in begun in this browser.',
  },
  login_refused: {
    it: "Il fornitore di identità non ha concesso l'accesso (annullato o rifiutato).",
    en: 'The identity provider did not grant the sign-in (cancelled or refused).',
  },
  invalid_response: {
    it: "La risposta del fornitore di identità non è valida (codice già usato o scaduto, o token d'identità non verificabile).",
    en: 'The identity provider’s answer is not valid (a code already used or expired, or an ID token that does not verify).',
  },
  missing_operator_claim: {
    it: "Il token d'identità non indica il nome utente dell'operatore.",
    en: 'The ID token does not name the operator’s username.',
  },
  unknown_operator: {
    it: "L'account dell'ente non corrisponde a un operatore abilitato di Percorsi: chiedere a un amministratore.",
    en: 'The organisation’s account matches no enabled Percorsi operator: ask an administrator.',
  },
};

const signInFailed = (reason: OidcSignInFailure) =>
  new ProblemException('OIDC_SIGN_IN_FAILED', FAILURE_DETAIL[reason], { reason }, { 'WWW-Authenticate': WWW_AUTHENTICATE });

const notConfigured = () =>
  new ProblemException('OIDC_NOT_CONFIGURED', {
    it: "L'accesso con OpenID Connect non è configurato (PERCORSI_OIDC_ISSUER): accedere con nome utente e password.",
    en: 'Sign-in with OpenID Connect is not configured (PERCORSI_OIDC_ISSUER): sign in with a username and password.',
  });

/**
 * Browser sign-in through the OpenID provider: GET /auth/oidc/login sends the browser there with the
 * flow sealed in a cookie; GET /auth/oidc/callback checks the answer, finds the operator by the
 * operator claim and opens a session exactly as a password sign-in does. A refused callback changes
 * nothing (no session row, no cookie).
 */
@Injectable()
export class OidcSignInService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(IdentityRepository) private readonly repository: IdentityRepository,
    @Inject(IdentityService) private readonly identity: IdentityService,
    @Inject(OIDC_SIGN_IN) private readonly parts: OidcSignInParts | null,
  ) {}

  get configured(): boolean {
    return this.parts !== null;
  }

  /** The provider's authorization URL; the flow cookie is set on `response`. */
  async start(request: Request, response: Response, next: unknown): Promise<string> {
    const { login, flowCookie } = this.partsOrFail();
    let started: Awaited<ReturnType<OidcLogin['start']>>;
    try {
      started = await login.start();
    } catch (error) {
      if (error instanceof OidcLoginError && error.code === 'provider_unavailable') throw oidcProviderUnavailable();
      throw error;
    }
    const { url, ...kept } = started;
    flowCookie.set(response, request, { ...kept, next: safeNext(next) }, this.clock.now());
    return url.href;
  }

  /** Where the browser goes once signed in; the session cookie is set and the flow cookie cleared on `response`. */
  async finish(request: Request, response: Response): Promise<string> {
    const { login, flowCookie } = this.partsOrFail();
    const read = flowCookie.read(request, this.clock.now());
    if ('failure' in read) throw signInFailed(read.failure);
    const { next, ...kept } = read.flow;
    // The provider redirected to the configured URL: that, with the query the browser brought, is the
    // URL openid-client checks (behind a proxy the request's own URL may read differently).
    const callback = new URL(this.config.oidc!.redirectUrl);
    callback.search = new URL(request.originalUrl, 'http://callback.invalid').search;
    let operatorName: string;
    try {
      operatorName = (await login.finish(callback, kept)).operator;
    } catch (error) {
      if (!(error instanceof OidcLoginError)) throw error;
      if (error.code === 'provider_unavailable') throw oidcProviderUnavailable();
      throw signInFailed(error.code);
    }
    const operator = await this.repository.operatorByUsername(this.database.dataSource.manager, operatorName);
    if (!operator || operator.disabledAt) throw signInFailed('unknown_operator');
    await this.identity.startSession(request, response, operator);
    flowCookie.clear(response, request);
    return safeNext(next);
  }

  private partsOrFail(): OidcSignInParts {
    if (!this.parts) throw notConfigured();
    return this.parts;
  }
}
