import type { Request } from 'express';
import type { OperatorKind } from '../../machines/index.js';
import type { Language } from '../config/app-config.js';

/** Who acts. Until authentication is in place, the configured default operator. */
export interface Actor {
  id: string;
  kind: OperatorKind;
  /** Where the identity came from: the configuration or a trusted gateway's headers. */
  source: 'default' | 'gateway';
}

/** The request as the service sees it once the actor guard has run. */
export type AppRequest = Request & { actor?: Actor; language?: Language; id?: unknown };
