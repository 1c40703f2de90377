import { Inject, Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { match, type MatchFunction } from 'path-to-regexp';

/**
 * A route as the app declares it. `handler` and `controller` carry its metadata (@Can's action);
 * the routes registered outside controllers (the OpenAPI document) have neither.
 */
export interface DeclaredRoute {
  method: string;
  path: string;
  handler?: object;
  controller?: object;
}

interface Route extends DeclaredRoute {
  matches: MatchFunction<object>;
}

const segments = (path: unknown): string[] => (Array.isArray(path) ? path : [path]).map((p) => String(p ?? '').replace(/^\/+|\/+$/g, ''));

/**
 * The methods routed for each path, read from the controllers' own metadata (@Controller, @Get...)
 * plus the routes registered outside them (the OpenAPI document): tells a 405 (known path, other
 * method) from a 404. Paths match as Express matches them (path-to-regexp, case-insensitive,
 * optional trailing slash). Built on first use, after every module is loaded.
 */
@Injectable()
export class RouteTable {
  private routes: Route[] | null = null;
  private readonly extra: Route[] = [];

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  /** A route registered on the HTTP adapter directly, not by a controller. */
  add(method: 'GET' | 'POST', path: string): void {
    this.extra.push(route(method, path));
  }

  /** The methods allowed on `path` (HEAD wherever GET is), sorted; none when no route has the path. */
  allowedMethods(path: string): string[] {
    this.routes ??= this.fromControllers();
    const methods = new Set([...this.routes, ...this.extra].filter((r) => r.matches(path) !== false).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }

  /** Every route, as declared: for what goes over them all (the authorisation matrix test). */
  declared(): DeclaredRoute[] {
    this.routes ??= this.fromControllers();
    return [...this.routes, ...this.extra].map(({ method, path, handler, controller }) => ({ method, path, handler, controller }));
  }

  private fromControllers(): Route[] {
    const routes: Route[] = [];
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      const prefixes = segments(Reflect.getMetadata(PATH_METADATA, metatype));
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const prefix of prefixes) {
          for (const path of segments(Reflect.getMetadata(PATH_METADATA, handler))) {
            const full = `/${[prefix, path].filter((s) => s !== '').join('/')}`;
            routes.push({ ...route(RequestMethod[method], full), handler, controller: metatype });
          }
        }
      }
    }
    return routes;
  }
}

const route = (method: string, path: string): Route => ({ method, path, matches: match(path, { decode: false }) });
