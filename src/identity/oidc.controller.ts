import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiProblems, HEADERS } from '../common/openapi.js';
import { OidcSignInService } from './oidc-sign-in.service.js';
import { Can } from '../policy/can.js';

/** Browser sign-in through the OpenID provider (authorization code + PKCE). Open routes: they are how one signs in. */
@ApiTags('identity')
@Can('auth.signIn')
@Controller('auth/oidc')
export class OidcController {
  constructor(@Inject(OidcSignInService) private readonly oidc: OidcSignInService) {}

  @Get('login')
  @ApiOperation({
    summary: 'Sign in with the OpenID provider: redirects there',
    description:
      'Sends the browser to the provider (authorization code, PKCE S256, state, nonce), keeping the flow in a sealed cookie for 10 minutes ' +
      '(percorsi_oidc, Path=/auth/oidc, HttpOnly, SameSite=Lax). `next`: where to go once signed in, a path of this service (else /, the console). See docs/oidc.md.',
  })
  @ApiQuery({ name: 'next', required: false, schema: { type: 'string', example: '/inspector' } })
  @ApiResponse({
    status: 302,
    description: "The provider's authorization URL.",
    headers: { Location: HEADERS.SignInRedirect, 'Set-Cookie': HEADERS.SetOidcFlowCookie },
  })
  @ApiProblems('OIDC_NOT_CONFIGURED', 'OIDC_PROVIDER_UNAVAILABLE')
  async login(@Req() request: Request, @Res() response: Response, @Query('next') next: unknown): Promise<void> {
    const url = await this.oidc.start(request, response, next);
    response.status(302).setHeader('Location', url).end();
  }

  @Get('callback')
  @ApiOperation({
    summary: "The provider's redirect back: opens a session",
    description:
      'Checks the answer against the flow cookie (state, PKCE, nonce, ID token), finds the operator whose username is the operator claim ' +
      '(PERCORSI_OIDC_OPERATOR_CLAIM), sets the session cookie as POST /auth/login does, clears the flow cookie and redirects to `next`. ' +
      'A failure is 401 OIDC_SIGN_IN_FAILED with a `reason`, and changes nothing.',
  })
  @ApiResponse({
    status: 303,
    description: 'Signed in: on to `next`.',
    headers: { Location: HEADERS.SignInRedirect, 'Set-Cookie': HEADERS.SetSessionCookie },
  })
  @ApiProblems('OIDC_SIGN_IN_FAILED', 'OIDC_NOT_CONFIGURED', 'OIDC_PROVIDER_UNAVAILABLE')
  async callback(@Req() request: Request, @Res() response: Response): Promise<void> {
    const next = await this.oidc.finish(request, response);
    response.status(303).setHeader('Location', next).end();
  }
}
