import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiJson, ApiProblems } from '../common/openapi.js';
import { parseUuid } from '../common/request-parsing.js';
import { Can } from '../policy/can.js';
import { CurrentPrincipal } from './identity.guard.js';
import { IdentityService } from './identity.service.js';
import type { Principal } from './principal.js';

export const TOKEN_BODY = { $ref: '#/components/schemas/TokenInput' };

/** The signed-in operator's API tokens. */
@ApiTags('identity')
@Controller('tokens')
@Can('tokens.manage')
export class TokensController {
  constructor(@Inject(IdentityService) private readonly identity: IdentityService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API token (shown only in this response)',
    description:
      "Use it as `Authorization: Bearer <token>`. roles and officeIds default to the caller's and may not be wider (403). Only its sha256 is stored.",
  })
  @ApiBody({ schema: TOKEN_BODY })
  @ApiJson(201, 'TokenWithSecret', 'Created, with `token`.')
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.identity.createToken(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's tokens, oldest first (never the secret)" })
  @ApiJson(200, 'TokenList', 'The tokens, revoked ones included.')
  @ApiProblems('UNAUTHENTICATED')
  list(@CurrentPrincipal() principal: Principal) {
    return this.identity.tokens(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your tokens' })
  @ApiResponse({ status: 204, description: 'Revoked (also when it already was).' })
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'TOKEN_NOT_FOUND')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.identity.revokeToken(principal, parseUuid(id));
  }
}
