import { Module } from '@nestjs/common';
import { AccessTokenVerifier } from '../auth/oidc/access-token-verifier.js';
import { OidcLogin } from '../auth/oidc/oidc-login.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../common/secret-box.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { AuthController } from './auth.controller.js';
import { Authenticator } from './authenticator.js';
import { FirstAdmin } from './first-admin.js';
import { PolicyGuard } from './policy.guard.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { LoginThrottle } from './login-throttle.js';
import { OidcBearerVerifier } from './oidc-bearer-verifier.js';
import { OidcController } from './oidc.controller.js';
import { OidcFlowCookie } from './oidc-flow-cookie.js';
import { OIDC_SIGN_IN, OidcSignInService, type OidcSignInParts } from './oidc-sign-in.service.js';
import { Passwords } from './passwords.js';
import { BEARER_VERIFIERS, type BearerVerifier } from './principal.js';
import { SignInPageController } from './sign-in-page.controller.js';
import { TokensController } from './tokens.controller.js';

export { IDENTITY_ENTITIES } from './identity.entities.js';

/** With OpenID Connect configured, the provider's access tokens are API credentials too. */
const bearerVerifiers = (config: AppConfig, clock: Clock): BearerVerifier[] =>
  config.oidc
    ? [
        new OidcBearerVerifier(
          new AccessTokenVerifier({
            issuer: config.oidc.issuer,
            audience: config.oidc.audience,
            operatorClaim: config.oidc.operatorClaim,
            now: () => clock.now(),
          }),
          config.oidc.rolesClaim,
        ),
      ]
    : [];

/**
 * The browser sign-in through the provider, when configured: the flow cookie is sealed with a key
 * derived from the service's secret key (PERCORSI_SECRET_KEY or the data folder's), so that every
 * replica opens what another sealed.
 */
async function oidcSignIn(config: AppConfig): Promise<OidcSignInParts | null> {
  if (!config.oidc) return null;
  const box = await SecretBox.fromConfig(config);
  return { login: new OidcLogin(config.oidc), flowCookie: new OidcFlowCookie(box.derive('oidc-flow')) };
}

/**
 * Identity (Step 6): agencies, offices, operators and roles; sign-in with built-in accounts or an
 * OpenID provider, sessions, API tokens; the Authenticator, and the PolicyGuard that gates every route.
 */
@Module({
  controllers: [AuthController, SignInPageController, OidcController, TokensController, AdminController],
  providers: [
    { provide: BEARER_VERIFIERS, useFactory: bearerVerifiers, inject: [APP_CONFIG, Clock] },
    { provide: OIDC_SIGN_IN, useFactory: oidcSignIn, inject: [APP_CONFIG] },
    OidcSignInService,
    IdentityRepository,
    { provide: Passwords, useValue: new Passwords() },
    LoginThrottle,
    Authenticator,
    PolicyGuard,
    IdentityService,
    AdminService,
    FirstAdmin,
  ],
  exports: [Authenticator, PolicyGuard, IdentityRepository],
})
export class IdentityModule {}
