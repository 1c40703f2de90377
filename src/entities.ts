import { ACCESS_LOG_ENTITIES } from './access/access-log.module.js';
import { CASE_ENTITIES } from './cases/cases.module.js';
import { INDICATOR_ENTITIES } from './indicators/indicators.module.js';
import { IDENTITY_ENTITIES } from './identity/identity.module.js';
import { WEBHOOK_ENTITIES } from './webhooks/webhooks.module.js';

/** Every capability's tables, as TypeORM entities: what the migrations must match (test/database/migrations.spec.ts). */
export const ENTITIES = [...CASE_ENTITIES, ...WEBHOOK_ENTITIES, ...IDENTITY_ENTITIES, ...ACCESS_LOG_ENTITIES, ...INDICATOR_ENTITIES];
