import { Inject, Injectable, Logger, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type Language } from '../config/app-config.js';
import { validationFailed, type FieldIssue } from './problem.js';
import type { Actor, AppRequest } from './request-context.js';

const OPERATOR_ID = /^[\p{L}\p{N}._:@-]{1,100}$/u;

/**
 * Resolves the actor of every request in one place, so that authentication can replace it without
 * touching controllers or services: today the configured default operator, or the X-Operator-*
 * headers when a trusted gateway sets them.
 */
@Injectable()
export class ActorGuard implements CanActivate {
  private readonly logger = new Logger('ActorGuard');
  private warned = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AppRequest>();
    request.actor = this.resolve(request);
    return true;
  }

  private resolve(request: AppRequest): Actor {
    const fallback: Actor = { ...this.config.defaultOperator, source: 'default' };
    if (!this.config.trustOperatorHeaders) {
      if (!this.warned && request.header('x-operator-id') !== undefined) {
        this.warned = true;
        this.logger.warn(
          'X-Operator-* headers ignored: PERCORSI_TRUST_OPERATOR_HEADERS is false; events are recorded as the default operator',
        );
      }
      return fallback;
    }
    const id = request.header('x-operator-id');
    const kind = request.header('x-operator-kind');
    if (id === undefined && kind === undefined) return fallback;
    const errors: FieldIssue[] = [];
    if (id === undefined || !OPERATOR_ID.test(id)) {
      errors.push({
        field: 'header:X-Operator-Id',
        problem: id === undefined ? 'required' : 'format',
        message: { it: 'da 1 a 100 lettere, cifre o . _ : @ -', en: '1 to 100 letters, digits or . _ : @ -' },
      });
    }
    if (kind !== 'cpi' && kind !== 'accredited') {
      errors.push({
        field: 'header:X-Operator-Kind',
        problem: kind === undefined ? 'required' : 'enum',
        message: { it: 'cpi oppure accredited', en: 'cpi or accredited' },
      });
    }
    if (errors.length > 0) throw validationFailed(errors);
    return { id: id!, kind: kind as Actor['kind'], source: 'gateway' };
  }
}

/** The acting operator, as resolved by the ActorGuard. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AppRequest>().actor;
  if (!actor) throw new Error('ActorGuard did not run');
  return actor;
});

/** The response language chosen from Accept-Language (set for every request in main's middleware). */
export const RequestLanguage = createParamDecorator((_data: unknown, context: ExecutionContext): Language => {
  return context.switchToHttp().getRequest<AppRequest>().language ?? 'it';
});
