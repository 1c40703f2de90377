import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Language } from '../config/app-config.js';
import type { Actor, AppRequest, CaseAccess } from './request-context.js';

/** The acting operator (the PolicyGuard sets it on every route that is not open). */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AppRequest>().actor;
  if (!actor) throw new Error('PolicyGuard did not run');
  return actor;
});

/** The cases the request reaches (the PolicyGuard sets it from the policy's scopes). */
export const CurrentCaseAccess = createParamDecorator((_data: unknown, context: ExecutionContext): CaseAccess => {
  const access = context.switchToHttp().getRequest<AppRequest>().caseAccess;
  if (!access) throw new Error('PolicyGuard did not run');
  return access;
});

/** The response language chosen from Accept-Language (set for every request in main's middleware). */
export const RequestLanguage = createParamDecorator((_data: unknown, context: ExecutionContext): Language => {
  return context.switchToHttp().getRequest<AppRequest>().language ?? 'it';
});
