import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { AuthController } from './auth.controller.js';
import { Authenticator } from './authenticator.js';
import { FirstAdmin } from './first-admin.js';
import { PolicyGuard } from './policy.guard.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { LoginThrottle } from './login-throttle.js';
import { Passwords } from './passwords.js';
import { TokensController } from './tokens.controller.js';

export { IDENTITY_ENTITIES } from './identity.entities.js';

/**
 * Identity (Step 6): agencies, offices, operators and roles; sign-in with built-in accounts,
 * sessions, API tokens; the Authenticator, and the PolicyGuard that gates every route.
 */
@Module({
  controllers: [AuthController, TokensController, AdminController],
  providers: [
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
