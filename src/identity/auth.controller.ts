import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiJson, ApiProblems, HEADERS } from '../common/openapi.js';
import { Can } from '../policy/can.js';
import { CurrentPrincipal } from './identity.guard.js';
import { IdentityService } from './identity.service.js';
import type { Principal } from './principal.js';

/** Signing in with a built-in account, signing out, and who is signed in. */
@ApiTags('identity')
@Controller()
export class AuthController {
  constructor(@Inject(IdentityService) private readonly identity: IdentityService) {}

  @Post('auth/login')
  @Can('auth.signIn')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with a username and password',
    description:
      'Sets the session cookie (percorsi_session: HttpOnly, SameSite=Lax, Path=/, Secure over https) and answers with GET /me. ' +
      'An unknown username and a wrong password get the same 401. After 5 failures for a username (or 50 from an address) in 15 minutes, 429 with Retry-After (counted per process). ' +
      "With an Origin or Referer header, it must be the service's own origin.",
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: { username: { type: 'string', maxLength: 100 }, password: { type: 'string', maxLength: 1024, format: 'password' } },
    },
  })
  @ApiJson(200, 'Me', 'Signed in.', { 'Set-Cookie': HEADERS.SetSessionCookie })
  @ApiProblems('INVALID_CREDENTIALS', 'FORBIDDEN', 'TOO_MANY_ATTEMPTS', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE')
  login(@Req() request: Request, @Res({ passthrough: true }) response: Response, @Body() body: unknown) {
    return this.identity.login(request, response, body);
  }

  @Post('auth/logout')
  @Can('auth.signIn')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out: the session ends (revoked on the server) and the cookie is cleared',
    description: 'Without a live session it only clears the cookie. A cookie-authenticated call from another origin is refused (403).',
  })
  @ApiResponse({ status: 204, description: 'Signed out.', headers: { 'Set-Cookie': HEADERS.ClearSessionCookie } })
  @ApiProblems('FORBIDDEN')
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.identity.logout(request, response);
  }

  @Get('me')
  @Can('me.read')
  @ApiOperation({ summary: 'Who is signed in: operator, agency, offices and roles' })
  @ApiJson(200, 'Me', 'The signed-in operator (for an API token: its roles and offices).')
  @ApiProblems('UNAUTHENTICATED', 'OIDC_PROVIDER_UNAVAILABLE')
  me(@CurrentPrincipal() principal: Principal) {
    return this.identity.me(principal);
  }
}
