import { Body, Controller, Get, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import { parseUuid } from '../common/request-parsing.js';
import { AdminService } from './admin.service.js';
import { Can } from '../policy/can.js';
import { TOKEN_BODY } from './tokens.controller.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const BODY_PROBLEMS = ['MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'] as const;

/** The registry of agencies, offices and operators: the admin role only. */
@ApiTags('admin')
@Controller('admin')
@Can('admin.registry')
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Post('agencies')
  @ApiOperation({ summary: 'Create an agency: a CPI or an accredited agency' })
  @ApiBody({ schema: { allOf: [ref('AgencyInput')], required: ['name', 'kind'] } })
  @ApiJson(201, 'Agency', 'Created.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', ...BODY_PROBLEMS)
  createAgency(@Body() body: unknown) {
    return this.admin.createAgency(body);
  }

  @Get('agencies')
  @ApiOperation({ summary: 'Every agency, oldest first' })
  @ApiJson(200, 'AgencyList', 'The agencies.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN')
  agencies() {
    return this.admin.agencies();
  }

  @Get('agencies/:id')
  @ApiOperation({ summary: 'One agency' })
  @ApiJson(200, 'Agency', 'The agency.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'AGENCY_NOT_FOUND')
  agency(@Param('id') id: string) {
    return this.admin.agency(parseUuid(id));
  }

  @Patch('agencies/:id')
  @ApiOperation({ summary: "Change an agency's name or kind" })
  @ApiBody({ schema: ref('AgencyInput') })
  @ApiJson(200, 'Agency', 'Changed.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'AGENCY_NOT_FOUND', ...BODY_PROBLEMS)
  updateAgency(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.updateAgency(parseUuid(id), body);
  }

  @Post('offices')
  @ApiOperation({ summary: 'Create an office (sede) of an agency' })
  @ApiBody({ schema: ref('OfficeInput') })
  @ApiJson(201, 'Office', 'Created.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', ...BODY_PROBLEMS)
  createOffice(@Body() body: unknown) {
    return this.admin.createOffice(body);
  }

  @Get('offices')
  @ApiOperation({ summary: 'Every office, oldest first' })
  @ApiJson(200, 'OfficeList', 'The offices.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN')
  offices() {
    return this.admin.offices();
  }

  @Get('offices/:id')
  @ApiOperation({ summary: 'One office' })
  @ApiJson(200, 'Office', 'The office.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'OFFICE_NOT_FOUND')
  office(@Param('id') id: string) {
    return this.admin.office(parseUuid(id));
  }

  @Patch('offices/:id')
  @ApiOperation({
    summary: "Change an office's name, or the offices whose cases it may also see (supervisesOfficeIds)",
    description: 'supervisesOfficeIds replaces the list: the CPI of a territory over the accredited offices in it.',
  })
  @ApiBody({ schema: ref('OfficeUpdate') })
  @ApiJson(200, 'Office', 'Changed.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'OFFICE_NOT_FOUND', ...BODY_PROBLEMS)
  updateOffice(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.updateOffice(parseUuid(id), body);
  }

  @Post('operators')
  @ApiOperation({
    summary: 'Create an operator: a person, or a service account (kind service, no password: it uses tokens)',
    description:
      "officeIds must belong to one agency (its kind is the operator's for the CPI-only acts). The password hash is never shown.",
  })
  @ApiBody({ schema: ref('OperatorInput') })
  @ApiJson(201, 'OperatorAccount', 'Created.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'USERNAME_TAKEN', ...BODY_PROBLEMS)
  createOperator(@Body() body: unknown) {
    return this.admin.createOperator(body);
  }

  @Get('operators')
  @ApiOperation({ summary: 'Every operator, oldest first' })
  @ApiJson(200, 'OperatorAccountList', 'The operators.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN')
  operators() {
    return this.admin.operators();
  }

  @Get('operators/:id')
  @ApiOperation({ summary: 'One operator' })
  @ApiJson(200, 'OperatorAccount', 'The operator.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'OPERATOR_NOT_FOUND')
  operator(@Param('id') id: string) {
    return this.admin.operator(parseUuid(id));
  }

  @Patch('operators/:id')
  @ApiOperation({
    summary: "Change an operator's name, password (null removes it), roles, offices, or disable it",
    description: "Disabling, or setting the password, ends their sessions; a disabled operator's tokens stop working.",
  })
  @ApiBody({ schema: ref('OperatorUpdate') })
  @ApiJson(200, 'OperatorAccount', 'Changed.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'OPERATOR_NOT_FOUND', ...BODY_PROBLEMS)
  updateOperator(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.updateOperator(parseUuid(id), body);
  }

  @Post('operators/:id/tokens')
  @ApiOperation({
    summary: 'Create an API token for an operator (a service account): shown only in this response',
    description: "roles and officeIds default to the operator's and may not be wider (403).",
  })
  @ApiBody({ schema: TOKEN_BODY })
  @ApiJson(201, 'TokenWithSecret', 'Created, with `token`.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'OPERATOR_NOT_FOUND', ...BODY_PROBLEMS)
  createToken(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.createTokenFor(parseUuid(id), body);
  }
}
