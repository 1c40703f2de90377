import { createRequire } from 'node:module';
import path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContent, ApiProblems } from '../common/openapi.js';
import { packageRoot } from '../common/package-root.js';
import { ProblemException } from '../common/problem.js';
import { importMapCsp, readStaticFiles, sendStatic, STATIC_TYPES, type StaticFile } from '../common/static-files.js';
import { Can } from '../policy/can.js';

/**
 * The page's files, read once: the inspector's own scripts and styles, and the elkjs layout engine.
 * The UI library (Preact, htm) and the building blocks it shares with the console (src/web/common)
 * come from /ui/ (ConsoleController), named by the page's import map.
 */
function loadFiles(): Map<string, StaticFile> {
  const web = path.join(packageRoot(import.meta.url), 'src', 'inspector', 'web');
  const names = ['index.html', 'inspector.css', 'inspector.js', 'diagram.js', 'words.js', 'favicon.svg'];
  return readStaticFiles({
    ...Object.fromEntries(names.map((name) => [name, path.join(web, name)])),
    'elk.bundled.js': createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js'),
  });
}

/**
 * The visual inspector for training staff: one page and its assets, all served from here so the
 * page works in a training room with no internet. The data comes from the public API.
 */
@ApiTags('inspector')
@Can('inspector.page')
@Controller('inspector')
export class InspectorController {
  private readonly files = loadFiles();
  /** Nothing but the service itself (no CDN, no web font, no frame); the one inline script, the import map, by its hash. */
  private readonly csp = importMapCsp(this.files.get('index.html')!.body.toString('utf8'));

  @Get()
  @ApiOperation({
    summary: 'The visual inspector (HTML page)',
    description: 'Diagrams of the pathways, live cases, replay and a sandbox. See docs/inspector.md.',
  })
  @ApiContent(200, ['text/html'], 'The page.')
  @ApiProblems()
  page(@Res() response: Response): void {
    sendStatic(response, this.files.get('index.html')!, this.csp);
  }

  @Get('assets/:file')
  @ApiOperation({ summary: "The inspector page's scripts, styles and icon", description: 'Served from the service itself (no CDN).' })
  @ApiParam({ name: 'file', schema: { type: 'string', example: 'inspector.js' } })
  @ApiContent(200, [...new Set(Object.values(STATIC_TYPES).map((type) => type.split(';')[0]))], 'The file.')
  @ApiProblems('ROUTE_NOT_FOUND')
  asset(@Param('file') file: string, @Res() response: Response): void {
    const found = file === 'index.html' ? undefined : this.files.get(file);
    if (!found) {
      throw new ProblemException('ROUTE_NOT_FOUND', { it: `Nessun file '${file}' nell'ispettore.`, en: `No inspector file '${file}'.` });
    }
    sendStatic(response, found, this.csp);
  }
}
