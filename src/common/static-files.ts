import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Response } from 'express';

/** The pages' files (the console, the inspector, the sign-in page): what they are, read once at start. */
export interface StaticFile {
  type: string;
  body: Buffer;
}

export const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Files by the name they are served under, read from where they are. */
export function readStaticFiles(files: Record<string, string>): Map<string, StaticFile> {
  return new Map(Object.entries(files).map(([name, file]) => [name, { type: STATIC_TYPES[path.extname(name)], body: readFileSync(file) }]));
}

/** An installed package's folder, found from its entry point (its package.json need not be exported). */
export function packageDir(name: string, moduleUrl: string): string {
  let dir = path.dirname(createRequire(moduleUrl).resolve(name));
  const nameAt = (folder: string) => (JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: string }).name;
  while (!existsSync(path.join(dir, 'package.json')) || nameAt(dir) !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
  return dir;
}

/**
 * The pages' Content-Security-Policy: nothing but the service itself (no CDN, no web font, no
 * frame); `scriptHashes`: inline scripts allowed by their sha256 (the console's import map);
 * `formAction`: where a form may post ('none' where no form posts).
 */
export function pageCsp(options: { scriptHashes?: string[]; formAction?: "'self'" | "'none'" } = {}): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...(options.scriptHashes ?? []).map((hash) => `'sha256-${hash}'`)].join(' '),
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${options.formAction ?? "'none'"}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The CSP of a page whose one inline script is its import map (the console, the inspector): the
 * pages' own, with the import map allowed by its sha256.
 */
export function importMapCsp(html: string, options: { formAction?: "'self'" | "'none'" } = {}): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (importMap === undefined) throw new Error('the page has no import map');
  return pageCsp({ scriptHashes: [createHash('sha256').update(importMap).digest('base64')], ...options });
}

/** Sends a page's file with its type, no caching without revalidation, and the page's security headers. */
export function sendStatic(response: Response, file: StaticFile, csp: string): void {
  response.setHeader('Content-Type', file.type);
  response.setHeader('Cache-Control', 'no-cache');
  response.setHeader('Content-Security-Policy', csp);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.status(200).end(file.body);
}
