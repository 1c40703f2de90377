import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PATHWAYS, PATHWAY_NAMES, describePathway, isPathwayName } from '../../machines/index.js';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';
import { Can } from '../policy/can.js';

@ApiTags('pathways')
@Can('pathways.read')
@Controller('pathways')
export class PathwaysController {
  @Get()
  @ApiOperation({ summary: 'The pathways this service runs' })
  @ApiJson(200, 'PathwayList', 'Name, title, machine version, services and fingerprint of each pathway.')
  @ApiProblems()
  list() {
    return {
      items: PATHWAY_NAMES.map((name) => {
        const { title, version, services, fingerprint } = describePathway(name);
        return { name, title, version, fingerprint, services: services.map((s) => ({ key: s.key, code: s.code, name: s.name })) };
      }),
    };
  }

  @Get(':name')
  @ApiOperation({
    summary: "A pathway's machine",
    description:
      'States (nested, with transitions and guards), services, events with their payload fields, guards with codes and messages.',
  })
  @ApiJson(200, 'PathwayDescription', 'The machine description used by user interfaces and the inspector.')
  @ApiProblems('PATHWAY_NOT_FOUND')
  get(@Param('name') name: string) {
    if (!isPathwayName(name)) {
      throw new ProblemException(
        'PATHWAY_NOT_FOUND',
        { it: `Nessun percorso '${name}': ${PATHWAY_NAMES.join(', ')}.`, en: `No pathway '${name}': ${PATHWAY_NAMES.join(', ')}.` },
        { available: Object.keys(PATHWAYS) },
      );
    }
    return describePathway(name);
  }
}
