import { InitialSchema1795673984323 } from './1795673984323-initial-schema.js';

/** Every migration, in order: run at start-up. */
export const MIGRATIONS = [InitialSchema1795673984323];
