import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { MAX_BODY_BYTES } from './body.middleware.js';
import { pickLanguage } from './language.js';

/**
 * SPIKE (measurement only, docs/benchmarks.md "HTTP adapter: Express vs Fastify"): the service on
 * @nestjs/platform-fastify when PERCORSI_HTTP_ADAPTER=fastify. Enough for the benchmark's routes;
 * not a supported configuration.
 */
export const useFastify = (): boolean => process.env.PERCORSI_HTTP_ADAPTER === 'fastify';

const REQUEST_ID = /^[\w.:-]{1,100}$/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

export function fastifyAdapter(config: AppConfig): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // The same request id as pino-http's (app.module.ts), kept on the raw request for it to reuse.
    genReqId: (request: IncomingMessage & { percorsiRequestId?: string }) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      request.percorsiRequestId = id;
      return id;
    },
  });
  const fastify = adapter.getInstance();
  // What the handlers, the guard and the problem filter call on Express's request and response.
  fastify.decorateRequest('header', function (this: FastifyRequest, name: string) {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  });
  fastify.decorateRequest('language', undefined);
  fastify.decorateReply('setHeader', function (this: FastifyReply, name: string, value: string) {
    return this.header(name, value);
  });
  // languageMiddleware, as a hook (Nest middleware on Fastify sees the raw Node request).
  fastify.addHook('onRequest', (request, reply, done) => {
    const language = pickLanguage(request.headers['accept-language'], config.defaultLanguage);
    (request as unknown as { language: string }).language = language;
    reply.header('Content-Language', language);
    reply.header('Vary', 'Accept-Language');
    done();
  });
  // requireJson + jsonBody: JSON only (other types: Fastify's 415), 64 KiB (Fastify's 413).
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, fastify.getDefaultJsonParser('error', 'error'));
  return adapter;
}
