import { Catch, HttpException, Inject, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dataExceptionState, isDatabaseUnavailable } from '../database/database-errors.js';
import { INVALID_UTF8 } from './body.middleware.js';
import { describeError } from './log-redaction.js';
import { pickLanguage } from './language.js';
import { PROBLEMS, ProblemException, problemType, type ProblemCode } from './problem.js';
import type { AppRequest } from './request-context.js';
import { RouteTable } from './route-table.js';

interface Rendered {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Body-parser and other connect-style errors carry a status and a type. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
}

const NEST_STATUS_CODES: Partial<Record<number, ProblemCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Turns every error into RFC 9457 application/problem+json with a stable `code`: the one place
 * where errors meet HTTP. Anything unexpected is logged once, with the request id, as a 500.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RouteTable) private readonly routes: RouteTable,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.send(error, ctx.getRequest<AppRequest>(), ctx.getResponse<Response>());
  }

  /** Express error middleware for what fails before Nest's routing (body parsing). */
  readonly middleware = (error: unknown, request: AppRequest, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    this.send(error, request, response);
  };

  send(error: unknown, request: AppRequest, response: Response): void {
    const rendered = this.render(error, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(rendered.status);
    for (const [name, value] of Object.entries(rendered.headers)) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
    response.send(JSON.stringify(rendered.body));
  }

  private render(error: unknown, request: AppRequest): Rendered {
    const language = request.language ?? pickLanguage(request.header('accept-language'), this.config.defaultLanguage);
    const problem = this.toProblem(error, request);
    const spec = PROBLEMS[problem.code];
    const body: Record<string, unknown> = {
      type: problemType(problem.code),
      title: spec.title[language],
      status: spec.status,
      code: problem.code,
      detail: problem.detail[language],
      instance: request.originalUrl,
      ...(typeof request.id === 'string' ? { requestId: request.id } : {}),
      ...(typeof problem.extensions === 'function' ? problem.extensions(language) : problem.extensions),
    };
    return { status: spec.status, body, headers: { 'Content-Language': language, ...problem.headers } };
  }

  private toProblem(error: unknown, request: AppRequest): ProblemException {
    if (error instanceof ProblemException) return error;
    if (isDatabaseUnavailable(error)) {
      this.logger.warn(`database unavailable: ${describeError(error)}`);
      return new ProblemException(
        'DATABASE_UNAVAILABLE',
        { it: 'Il database non risponde: riprovare tra poco.', en: 'The database is not responding: retry shortly.' },
        {},
        { 'Retry-After': '5' },
      );
    }
    const state = dataExceptionState(error);
    if (state) {
      // A client error: logged as a warning with its SQLSTATE, without a stack, and without the
      // database's message (it echoes the value: a subject, a name).
      this.logger.warn(`value refused by the database: ${describeError(error)}`);
      return new ProblemException(
        'VALUE_NOT_STORABLE',
        {
          it: 'La richiesta contiene un valore che il database non può memorizzare (fuori dai limiti o non rappresentabile).',
          en: 'The request holds a value the database cannot store (out of range or not representable).',
        },
        { sqlState: state },
      );
    }
    // Nest wraps body-parser's errors in an HttpException, keeping the original as the cause.
    const cause = error instanceof HttpException && error.cause ? error.cause : error;
    if (cause instanceof URIError) {
      // The router could not percent-decode the path (`/cases/%ff`): it names no resource.
      return new ProblemException('MALFORMED_PATH', {
        it: 'Il percorso della richiesta non è una codifica percentuale UTF-8 valida.',
        en: 'The request path is not valid UTF-8 percent-encoding.',
      });
    }
    const parser = cause as ParserError;
    if (parser?.type === 'entity.parse.failed') {
      return new ProblemException('MALFORMED_JSON', {
        it: 'Il corpo della richiesta non è JSON valido.',
        en: 'The request body is not valid JSON.',
      });
    }
    if (parser?.type === INVALID_UTF8) {
      return new ProblemException('MALFORMED_JSON', {
        it: 'Il corpo della richiesta non è UTF-8 valido (JSON è sempre UTF-8).',
        en: 'The request body is not valid UTF-8 (JSON is always UTF-8).',
      });
    }
    if (parser?.type === 'entity.too.large') return tooLarge();
    if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported') {
      return new ProblemException('UNSUPPORTED_MEDIA_TYPE', {
        it: 'Codifica o set di caratteri del corpo non supportati: usare JSON in UTF-8, eventualmente compresso gzip, deflate o br.',
        en: 'Unsupported body encoding or charset: send UTF-8 JSON, optionally gzip, deflate or br compressed.',
      });
    }
    if (typeof parser?.type === 'string' || (error instanceof HttpException && error.cause instanceof Error && 'status' in error.cause)) {
      // Any other failure to read the body (a corrupt compressed stream, an aborted upload).
      return new ProblemException('MALFORMED_JSON', {
        it: 'Il corpo della richiesta non è leggibile.',
        en: 'The request body cannot be read.',
      });
    }
    if (error instanceof HttpException || (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500)) {
      const status = error instanceof HttpException ? error.getStatus() : parser.status!;
      if (status === 404) return this.notFound(request);
      if (status === 413) return tooLarge();
      const code = NEST_STATUS_CODES[status];
      if (code) {
        const message = error instanceof Error ? error.message : String(error);
        return new ProblemException(code, { it: message, en: message });
      }
    }
    // Never the database's message, the query's parameters or the input a message quotes (log-redaction.ts).
    this.logger.error(describeError(error, { stack: true }));
    return new ProblemException('INTERNAL_ERROR', {
      it: 'Errore imprevisto: è stato registrato.',
      en: 'Unexpected error: it has been logged.',
    });
  }

  private notFound(request: AppRequest): ProblemException {
    const allowed = this.routes.allowedMethods(request.path);
    if (allowed.length > 0) {
      return new ProblemException(
        'METHOD_NOT_ALLOWED',
        {
          it: `${request.method} non è ammesso su ${request.path}: usare ${allowed.join(', ')}.`,
          en: `${request.method} is not allowed on ${request.path}: use ${allowed.join(', ')}.`,
        },
        { allowed },
        { Allow: allowed.join(', ') },
      );
    }
    return new ProblemException('ROUTE_NOT_FOUND', {
      it: `Nessuna risorsa ${request.method} ${request.path}: vedere /docs.`,
      en: `No resource ${request.method} ${request.path}: see /docs.`,
    });
  }
}

const tooLarge = () =>
  new ProblemException('PAYLOAD_TOO_LARGE', {
    it: 'Il corpo della richiesta supera 64 KiB.',
    en: 'The request body is larger than 64 KiB.',
  });
