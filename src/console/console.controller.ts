import path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContent, ApiProblems } from '../common/openapi.js';
import { packageRoot } from '../common/package-root.js';
import { ProblemException } from '../common/problem.js';
import { importMapCsp, packageDir, readStaticFiles, sendStatic, type StaticFile } from '../common/static-files.js';
import { Can } from '../policy/can.js';

/**
 * The files the pages load, by folder: the console's own, the building blocks the pages share
 * (src/web/common), and the UI library (Preact and htm, from node_modules: no CDN), read once.
 */
function loadFiles(): Map<string, StaticFile> {
  const web = path.join(packageRoot(import.meta.url), 'src', 'web');
  const [preact, htm] = [packageDir('preact', import.meta.url), packageDir('htm', import.meta.url)];
  return readStaticFiles({
    'console/index.html': path.join(web, 'console', 'index.html'),
    'console/console.js': path.join(web, 'console', 'console.js'),
    'console/console.css': path.join(web, 'console', 'console.css'),
    'console/words.js': path.join(web, 'console', 'words.js'),
    'console/ui.js': path.join(web, 'console', 'ui.js'),
    'console/worklist.js': path.join(web, 'console', 'worklist.js'),
    'console/placement.js': path.join(web, 'console', 'placement.js'),
    'console/matching.js': path.join(web, 'console', 'matching.js'),
    'common/api.js': path.join(web, 'common', 'api.js'),
    'common/event-form.js': path.join(web, 'common', 'event-form.js'),
    'common/i18n.js': path.join(web, 'common', 'i18n.js'),
    'common/reasons.js': path.join(web, 'common', 'reasons.js'),
    'vendor/preact.mjs': path.join(preact, 'dist', 'preact.mjs'),
    'vendor/preact-hooks.mjs': path.join(preact, 'hooks', 'dist', 'hooks.mjs'),
    'vendor/htm.mjs': path.join(htm, 'dist', 'htm.mjs'),
    'vendor/htm-preact.mjs': path.join(htm, 'preact', 'index.mjs'),
  });
}

/**
 * The console for case managers (docs/console.md): one page at the service's root and the files of
 * the pages, all served from here (no external request). Its data come from the public API, which
 * decides what each operator may see and do.
 */
@ApiTags('console')
@Can('console.page')
@Controller()
export class ConsoleController {
  private readonly files = loadFiles();
  private readonly csp = importMapCsp(this.files.get('console/index.html')!.body.toString('utf8'), { formAction: "'self'" });

  @Get()
  @ApiOperation({
    summary: 'The console for case managers (HTML page)',
    description: 'The worklist, the case page and its acts. See docs/console.md.',
  })
  @ApiContent(200, ['text/html'], 'The page.')
  @ApiProblems()
  page(@Res() response: Response): void {
    sendStatic(response, this.files.get('console/index.html')!, this.csp);
  }

  @Get('ui/:folder/:file')
  @ApiOperation({
    summary: "The pages' scripts and styles",
    description: 'The console, the building blocks the pages share, and the UI library (Preact, htm), served by the service itself.',
  })
  @ApiParam({ name: 'folder', schema: { type: 'string', enum: ['console', 'common', 'vendor'] } })
  @ApiParam({ name: 'file', schema: { type: 'string', example: 'console.js' } })
  @ApiContent(200, ['text/javascript', 'text/css'], 'The file.')
  @ApiProblems('ROUTE_NOT_FOUND')
  asset(@Param('folder') folder: string, @Param('file') file: string, @Res() response: Response): void {
    const name = `${folder}/${file}`;
    const found = name === 'console/index.html' ? undefined : this.files.get(name);
    if (!found) {
      throw new ProblemException('ROUTE_NOT_FOUND', { it: `Nessun file '${name}'.`, en: `No file '${name}'.` });
    }
    sendStatic(response, found, this.csp);
  }
}
