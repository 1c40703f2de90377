import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AccessLogController } from './access-log.controller.js';
import { AccessLogEntity } from './access-log.entity.js';
import { AccessLog } from './access-log.js';
import { AuditCaseReadInterceptor } from './audit-read.js';

export const ACCESS_LOG_ENTITIES = [AccessLogEntity];

/**
 * The access log (issue 14, accountability): AccessLog, the @AuditCaseRead interceptor the case
 * routes use (import this module where it is applied), and GET /admin/access-log.
 */
@Module({
  imports: [IdentityModule],
  controllers: [AccessLogController],
  providers: [AccessLog, AuditCaseReadInterceptor],
  exports: [AccessLog, AuditCaseReadInterceptor],
})
export class AccessLogModule {}
