import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { pino } from 'pino';
import { AppModule } from './app.module.js';
import type { Clock } from './common/clock.js';
import { answerClientErrors } from './common/client-errors.js';
import { RouteTable } from './common/route-table.js';
import { ProblemFilter } from './common/problem.filter.js';
import { Authenticator } from './identity/authenticator.js';
import { decide } from './policy/policy.js';
import { signInRedirect, unauthenticated } from './identity/identity.guard.js';
import type { NextFunction, Request, Response } from 'express';
import { logTransport } from './common/log-transport.js';
import { completeDocument } from './common/openapi.js';
import type { AppConfig } from './config/app-config.js';
import { Database } from './database/database.js';
import { ENTITIES } from './entities.js';

/** Swagger UI's colours darkened to WCAG AA contrast (4.5:1) for white or coloured text. */
const DOCS_CSS = [
  '.swagger-ui .opblock-summary-method { color: #fff; }',
  '.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1f5f99; }',
  '.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1d6b45; }',
  '.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a4b00; }',
  '.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #1c6b61; }',
  '.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b0281a; }',
  '.swagger-ui .info .title small pre, .swagger-ui .info .title small.version-stamp pre { color: #fff; }',
  '.swagger-ui .info .title small { background: #5a5a5a; }',
  '.swagger-ui .info .title small.version-stamp { background: #2f6b00; }',
  '.swagger-ui .btn.authorize { color: #1d6b45; border-color: #1d6b45; }',
  '.swagger-ui .btn.authorize svg { fill: #1d6b45; }',
  '.swagger-ui .parameter__in, .swagger-ui .header-example, .swagger-ui .parameter__deprecated { color: #4a4a4a !important; }',
  // Examples wrap instead of scrolling: a scrolling region would need to be reachable by keyboard.
  '.swagger-ui .highlight-code > .microlight, .swagger-ui pre.example {',
  '  white-space: pre-wrap !important; word-break: break-word; overflow: visible !important; max-height: none !important; }',
].join('\n');

/**
 * Builds the service: opens (and migrates) the database, then the Nest application with its
 * middleware, problem+json errors and OpenAPI at /docs. Not listening yet.
 */
export async function createApp(args: { config: AppConfig; clock?: Clock }): Promise<NestExpressApplication> {
  const database = await Database.open({
    config: args.config,
    logger: pino({ level: args.config.logLevel, transport: logTransport() }),
    entities: ENTITIES,
  });
  try {
    const module = AppModule.forRoot({ config: args.config, database, clock: args.clock });
    // Nest's start-up chatter (one line per route) stays out of the logs; warnings and errors show.
    const app = await NestFactory.create<NestExpressApplication>(module, {
      bodyParser: false,
      logger: ['fatal', 'error', 'warn'],
      abortOnError: false,
    });
    const express = app.getHttpAdapter().getInstance();
    // ETags are case versions, set by the handlers; no hash of every body.
    express.set('etag', false);
    express.disable('x-powered-by');
    // Whether X-Forwarded-Proto / -For are believed: req.secure (the session cookie's Secure) and req.ip (sign-in throttling).
    express.set('trust proxy', args.config.identity.trustProxy);
    answerClientErrors(app.getHttpServer(), args.config.defaultLanguage);
    setupOpenApi(app, args.config);
    await app.init();
    app.useLogger(app.get(Logger));
    return app;
  } catch (error) {
    await database.close();
    throw error;
  }
}

function setupOpenApi(app: INestApplication, config: AppConfig): void {
  // Swagger's pages are not a controller's, so the PolicyGuard does not see them: the table's rule
  // for 'docs.read' (anyone signed in) is asked here, before them.
  const authenticator = app.get(Authenticator);
  const problems = new ProblemFilter(config, app.get(RouteTable));
  app.use('/docs', (request: Request, response: Response, next: NextFunction) => {
    authenticator.authenticate(request).then(
      (principal) => {
        if (decide('docs.read', principal).allowed) return next();
        const location = signInRedirect(request);
        if (location) return response.redirect(303, location);
        problems.send(unauthenticated(), request, response);
      },
      (error: unknown) => problems.send(error, request, response),
    );
  });
  const document = completeDocument(
    SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Percorsi').setVersion('0.2.0').build()),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    // Accessible as the other pages (axe-core, test/docs/docs-page.e2e.spec.ts): no link nested in an
    // operation's toggle button, and text that meets WCAG AA contrast.
    swaggerOptions: { deepLinking: false, syntaxHighlight: false },
    customCss: DOCS_CSS,
  });
  // Served by Swagger, not by a controller: known to the route table too (405 for other methods).
  const routes = app.get(RouteTable);
  routes.add('GET', '/docs');
  routes.add('GET', '/docs/openapi.json');
}
