import {
  Inject,
  Injectable,
  RequestMethod,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { Request } from 'express';
import { concatMap, from, Observable } from 'rxjs';
import { UUID } from '../common/request-parsing.js';
import type { Principal } from '../identity/principal.js';
import { AccessLog } from './access-log.js';
import type { CaseAccess } from '../common/request-context.js';

/**
 * @AuditCaseRead(): a route whose `:id` is a case id and whose answer discloses the case's personal
 * data (the case, its history, replay, transitions) records each read in the access log (issue 14,
 * accountability), after the handler succeeded and before the answer is sent: a refused or failed
 * read records nothing. The live streams, which write their answer themselves, call recordCaseRead
 * once their case is found in reach, before their first byte.
 *
 * The record is one statement that asks the database itself whether `:id` is a real case
 * (`practice = false`) in the request's reach, so no handler can forget to say so and the answer's
 * shape does not matter. Fail closed: if the record cannot be written, the request fails with 500
 * and the data is not sent (accountability before availability). It needs `request.principal` (the
 * PolicyGuard ran first; without one, a programming error: also a 500).
 */
export const AuditCaseRead = () => UseInterceptors(AuditCaseReadInterceptor);

export type AuditedRequest = Request & { principal?: Principal; caseAccess?: CaseAccess; id?: unknown };

const segments = (path: unknown): string[] =>
  (Array.isArray(path) ? path : [path]).map((p) => String(p ?? '').replace(/^\/+|\/+$/g, '')).filter((s) => s !== '');

/** `GET /cases/:id/history`: the route as declared (@Controller + @Get), never the URL with its values. */
export function routePattern(context: ExecutionContext): string {
  const method = Reflect.getMetadata(METHOD_METADATA, context.getHandler()) as RequestMethod | undefined;
  const prefix = segments(Reflect.getMetadata(PATH_METADATA, context.getClass()))[0];
  const path = segments(Reflect.getMetadata(PATH_METADATA, context.getHandler()))[0];
  const name = method === undefined ? context.switchToHttp().getRequest<Request>().method : RequestMethod[method];
  return `${name} /${[prefix, path].filter((s) => s !== undefined).join('/')}`;
}

@Injectable()
export class AuditCaseReadInterceptor implements NestInterceptor {
  constructor(@Inject(AccessLog) private readonly accessLog: AccessLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    return next
      .handle()
      .pipe(concatMap((body: unknown) => from(recordCaseRead(this.accessLog, request, () => routePattern(context)).then(() => body))));
  }
}

/**
 * Records that the request read the case of its `:id` param, when it is a real case in its reach
 * (the interceptor after a handler; a live stream once it is about to send, after its own checks).
 * Fails closed: a read that cannot be recorded fails.
 */
export async function recordCaseRead(accessLog: AccessLog, request: AuditedRequest, route: () => string): Promise<void> {
  const id = request.params?.id;
  // Not a case id: the handler refuses it (400) and discloses nothing.
  if (typeof id !== 'string' || !UUID.test(id)) return;
  const principal = request.principal;
  try {
    if (!principal) throw new Error(`@AuditCaseRead on ${route()} without an authenticated principal`);
    // Only a real case in reach (a case out of reach is answered 404: nothing of it is read).
    await accessLog.recordRead(
      {
        operatorId: principal.operator.id,
        via: principal.via,
        caseId: id,
        route: route(),
        requestId: typeof request.id === 'string' ? request.id : null,
      },
      request.caseAccess,
    );
  } catch (error) {
    // The ProblemFilter logs it (without the case's data) and answers 500 INTERNAL_ERROR.
    throw new Error('the access log could not record this read', { cause: error });
  }
}
