import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContent, ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';
import { Can } from '../policy/can.js';

/** Nothing but the service itself: no CDN, no web font, no inline script, no frame. */
export const INSPECTOR_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  body: Buffer;
}

/** The folder of the web page's files: src/inspector/web, found from the package root (source or dist). */
function webFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('inspector: package root not found');
    dir = up;
  }
  return path.join(dir, 'src', 'inspector', 'web');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's files, read once: the inspector's own scripts and styles, and the elkjs layout engine. */
function loadAssets(): Map<string, Asset> {
  const web = webFolder();
  const files: Record<string, string> = {
    'index.html': path.join(web, 'index.html'),
    'inspector.css': path.join(web, 'inspector.css'),
    'inspector.js': path.join(web, 'inspector.js'),
    'diagram.js': path.join(web, 'diagram.js'),
    'i18n.js': path.join(web, 'i18n.js'),
    'api.js': path.join(web, 'api.js'),
    'favicon.svg': path.join(web, 'favicon.svg'),
    'elk.bundled.js': createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js'),
  };
  return new Map(Object.entries(files).map(([name, file]) => [name, { type: TYPES[path.extname(name)], body: readFileSync(file) }]));
}

/**
 * The visual inspector for training staff: one page and its assets, all served from here so the
 * page works in a training room with no internet. The data comes from the public API.
 */
@ApiTags('inspector')
@Can('inspector.page')
@Controller('inspector')
export class InspectorController {
  private readonly assets = loadAssets();

  @Get()
  @ApiOperation({
    summary: 'The visual inspector (HTML page)',
    description: 'Diagrams of the pathways, live cases, replay and a sandbox. See docs/inspector.md.',
  })
  @ApiContent(200, ['text/html'], 'The page.')
  @ApiProblems()
  page(@Res() response: Response): void {
    this.send(response, 'index.html', 'no-cache');
  }

  @Get('assets/:file')
  @ApiOperation({ summary: "The inspector page's scripts, styles and icon", description: 'Served from the service itself (no CDN).' })
  @ApiParam({ name: 'file', schema: { type: 'string', example: 'inspector.js' } })
  @ApiContent(200, [...new Set(Object.values(TYPES).map((type) => type.split(';')[0]))], 'The file.')
  @ApiProblems('ROUTE_NOT_FOUND')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'index.html' || !this.assets.has(file)) {
      throw new ProblemException('ROUTE_NOT_FOUND', { it: `Nessun file '${file}' nell'ispettore.`, en: `No inspector file '${file}'.` });
    }
    this.send(response, file, 'no-cache');
  }

  private send(response: Response, name: string, cache: string): void {
    const asset = this.assets.get(name)!;
    response.setHeader('Content-Type', asset.type);
    response.setHeader('Cache-Control', cache);
    response.setHeader('Content-Security-Policy', INSPECTOR_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.status(200).end(asset.body);
  }
}
