import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContent, ApiProblems } from '../common/openapi.js';
import { packageRoot } from '../common/package-root.js';
import { ProblemException } from '../common/problem.js';
import type { AppRequest } from '../common/request-context.js';
import type { Language } from '../config/app-config.js';
import { OidcSignInService } from './oidc-sign-in.service.js';
import { safeNext } from './sign-in-next.js';
import { Can } from '../policy/can.js';
import { pageCsp } from '../common/static-files.js';

/** Nothing but the service itself (no inline script); the form may post to the service only. */
export const SIGN_IN_CSP = pageCsp({ formAction: "'self'" });

/** The page's words; the page's script shows the service's own problem messages (detail), in the same language. */
const WORDS: Record<Language, Record<string, string>> = {
  it: {
    title: 'Percorsi · Accesso',
    heading: 'Accedi a Percorsi',
    username: 'Nome utente',
    password: 'Password',
    submit: 'Accedi',
    or: 'oppure',
    oidc: "Accedi con l'account dell'ente",
    networkError: 'Il servizio non risponde: riprovare.',
  },
  en: {
    title: 'Percorsi · Sign in',
    heading: 'Sign in to Percorsi',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    or: 'or',
    oidc: "Sign in with the organisation's account",
    networkError: 'The service does not answer: try again.',
  },
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function loadWeb(): { template: string; assets: Map<string, { type: string; body: Buffer }> } {
  const web = path.join(packageRoot(import.meta.url), 'src', 'identity', 'web');
  return {
    template: readFileSync(path.join(web, 'sign-in.html'), 'utf8'),
    assets: new Map(
      ['sign-in.js', 'sign-in.css'].map((name) => [name, { type: TYPES[path.extname(name)], body: readFileSync(path.join(web, name)) }]),
    ),
  };
}

/** The sign-in page (username and password, and the OpenID provider when configured). Open routes. */
@ApiTags('identity')
@Can('auth.signIn')
@Controller('auth')
export class SignInPageController {
  private readonly web = loadWeb();

  constructor(@Inject(OidcSignInService) private readonly oidc: OidcSignInService) {}

  @Get('login')
  @ApiOperation({
    summary: 'The sign-in page (HTML)',
    description:
      'A username and password form (it posts to POST /auth/login), and a link to GET /auth/oidc/login when OpenID Connect is configured. ' +
      'In Italian, or English per Accept-Language. `next`: where to go once signed in, a path of this service (else /, the console).',
  })
  @ApiQuery({ name: 'next', required: false, schema: { type: 'string', example: '/inspector' } })
  @ApiContent(200, ['text/html'], 'The page.')
  @ApiProblems()
  page(@Req() request: AppRequest, @Res() response: Response, @Query('next') next: unknown): void {
    const words = WORDS[request.language ?? 'it'];
    const target = safeNext(next);
    const oidc = this.oidc.configured
      ? `<p class="or">${escapeHtml(words.or)}</p>\n      <a class="oidc" href="${escapeHtml(`/auth/oidc/login?next=${encodeURIComponent(target)}`)}">${escapeHtml(words.oidc)}</a>`
      : '';
    const values: Record<string, string> = { ...words, lang: request.language ?? 'it', next: target };
    const html = this.web.template
      .replace(/\{\{(\w+)\}\}/g, (_match, key: string) => escapeHtml(values[key] ?? ''))
      .replace('<!--oidc-->', oidc);
    this.send(response, 'text/html; charset=utf-8', html);
  }

  @Get('assets/:file')
  @ApiOperation({ summary: "The sign-in page's script and style", description: 'Served from the service itself.' })
  @ApiParam({ name: 'file', schema: { type: 'string', example: 'sign-in.js' } })
  @ApiContent(200, ['text/javascript', 'text/css'], 'The file.')
  @ApiProblems('ROUTE_NOT_FOUND')
  asset(@Param('file') file: string, @Res() response: Response): void {
    const asset = this.web.assets.get(file);
    if (!asset)
      throw new ProblemException('ROUTE_NOT_FOUND', {
        it: `Nessun file '${file}' della pagina di accesso.`,
        en: `No sign-in page file '${file}'.`,
      });
    this.send(response, asset.type, asset.body);
  }

  private send(response: Response, type: string, body: string | Buffer): void {
    response.setHeader('Content-Type', type);
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Content-Security-Policy', SIGN_IN_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.status(200).end(body);
  }
}
