import express, { type NextFunction, type Response } from 'express';
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

/** A body that is not JSON is a 415, whatever the route: the API speaks only JSON. */
export function requireJson(request: AppRequest, _response: Response, next: NextFunction): void {
  if (!hasBody(request)) return next();
  const type = (request.header('content-type') ?? '').split(';')[0].trim();
  if (!JSON_TYPE.test(type)) {
    return next(
      new ProblemException('UNSUPPORTED_MEDIA_TYPE', {
        it: `Il corpo deve essere application/json, non '${type || 'senza tipo'}'.`,
        en: `The body must be application/json, not '${type || 'untyped'}'.`,
      }),
    );
  }
  next();
}

/** JSON bodies up to 64 KiB; objects and arrays only (the handlers check the shape). */
export const jsonBody = express.json({
  limit: MAX_BODY_BYTES,
  strict: true,
  type: (req) => JSON_TYPE.test((req.headers['content-type'] ?? '').split(';')[0].trim()),
});
