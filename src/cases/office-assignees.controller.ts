import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import type { CaseAccess } from '../common/request-context.js';
import { CurrentCaseAccess } from '../common/request-decorators.js';
import { parseUuid } from '../common/request-parsing.js';
import { Can } from '../policy/can.js';
import { CasePlacementService } from './case-placement.service.js';

/** Whom a supervisor may assign an office's cases to (POST /cases/:id/assignment): the console's choice. */
@ApiTags('cases')
@Controller('offices')
export class OfficeAssigneesController {
  constructor(@Inject(CasePlacementService) private readonly placements: CasePlacementService) {}

  @Get(':id/assignees')
  @Can('offices.assignees')
  @ApiOperation({
    summary: "The operators an office's cases may be assigned to (supervisors)",
    description:
      "The enabled members of the office with the case_manager or supervisor role, by name: the assigneeId values POST /cases/:id/assignment accepts for the office's cases. An office out of reach is 404 OFFICE_NOT_FOUND.",
  })
  @ApiJson(200, 'AssigneeList', "The office's assignable operators.")
  @ApiProblems('VALIDATION_FAILED', 'OFFICE_NOT_FOUND')
  async list(@Param('id') id: string, @CurrentCaseAccess() access: CaseAccess): Promise<unknown> {
    return this.placements.assignees(parseUuid(id, { it: 'l’id di una sede è un UUID', en: 'an office id is a UUID' }), access);
  }
}
