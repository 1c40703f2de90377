import { parse as parseContentType } from 'content-type';
import express, { type NextFunction, type Response } from 'express';
import { isUtf8 } from 'node:buffer';
import type { AppConfig } from '../config/app-config.js';
import { pickLanguage } from './language.js';
import { ProblemException } from './problem.js';
import type { AppRequest } from './request-context.js';

export const MAX_BODY_BYTES = 64 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** The response language, chosen once per request from Accept-Language. */
export const languageMiddleware =
  (config: AppConfig) =>
  (request: AppRequest, response: Response, next: NextFunction): void => {
    request.language = pickLanguage(request.header('accept-language'), config.defaultLanguage);
    // Messages (reasons, summaries, problems) follow the language: caches must keep them apart.
    response.setHeader('Content-Language', request.language);
    response.setHeader('Vary', 'Accept-Language');
    next();
  };

const hasBody = (request: AppRequest): boolean =>
  request.header('transfer-encoding') !== undefined || Number(request.header('content-length') ?? 0) > 0;

/**
 * A body that is not JSON is a 415, whatever the route: the API speaks only JSON, and JSON is UTF-8
 * (RFC 8259 section 8.1), so a charset other than UTF-8 is a 415 too rather than a decoding that
 * would turn `+ADw-` (UTF-7) into `<`.
 */
export function requireJson(request: AppRequest, _response: Response, next: NextFunction): void {
  if (!hasBody(request)) return next();
  const { type, parameters } = parseContentType(request.header('content-type') ?? '');
  if (!JSON_TYPE.test(type)) {
    return next(
      new ProblemException('UNSUPPORTED_MEDIA_TYPE', {
        it: `Il corpo deve essere application/json, non '${type || 'senza tipo'}'.`,
        en: `The body must be application/json, not '${type || 'untyped'}'.`,
      }),
    );
  }
  const charset = parameters.charset;
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    return next(
      new ProblemException('UNSUPPORTED_MEDIA_TYPE', {
        it: `JSON è sempre UTF-8 (RFC 8259): charset '${charset}' non accettato.`,
        en: `JSON is always UTF-8 (RFC 8259): charset '${charset}' is not accepted.`,
      }),
    );
  }
  next();
}

/** Marks a body whose bytes are not UTF-8: the problem filter answers it as malformed JSON. */
export const INVALID_UTF8 = 'entity.invalid.utf8';

/** JSON bodies up to 64 KiB, in UTF-8 (checked on the bytes: nothing is replaced by U+FFFD); objects and arrays only. */
export const jsonBody = express.json({
  limit: MAX_BODY_BYTES,
  strict: true,
  type: (req) => JSON_TYPE.test(parseContentType(req.headers['content-type'] ?? '').type),
  verify: (_req, _res, bytes) => {
    if (!isUtf8(bytes)) throw Object.assign(new Error('the body is not UTF-8'), { type: INVALID_UTF8, status: 400 });
  },
});
