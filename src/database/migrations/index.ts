import { Identity1796200000000 } from './1796200000000-identity.js';
import { AccessLog1796300000000 } from './1796300000000-access-log.js';
import { InitialSchema1795673984323 } from './1795673984323-initial-schema.js';
import { Webhooks1795677353443 } from './1795677353443-webhooks.js';
import { PracticeCases1795681632463 } from './1795681632463-practice-cases.js';
import { NamedConstraints1796156674591 } from './1796156674591-named-constraints.js';
import { CaseInsensitiveFilters1796158000000 } from './1796158000000-case-insensitive-filters.js';
import { CaseOffices1796400000000 } from './1796400000000-case-offices.js';
import { Deadlines1796510000000 } from './1796510000000-deadlines.js';
import { Matches1796520000000 } from './1796520000000-matches.js';
import { Indicators1796530000000 } from './1796530000000-indicators.js';
import { DeadlinesBackfill1796540000000 } from './1796540000000-deadlines-backfill.js';
import { Worklist1796550000000 } from './1796550000000-worklist.js';
import { IndicatorFacts1796560000000 } from './1796560000000-indicator-facts.js';

/** Every migration, in order: run at start-up. */
export const MIGRATIONS = [
  InitialSchema1795673984323,
  Webhooks1795677353443,
  PracticeCases1795681632463,
  NamedConstraints1796156674591,
  CaseInsensitiveFilters1796158000000,
  Identity1796200000000,
  AccessLog1796300000000,
  CaseOffices1796400000000,
  Deadlines1796510000000,
  Matches1796520000000,
  Indicators1796530000000,
  DeadlinesBackfill1796540000000,
  Worklist1796550000000,
  IndicatorFacts1796560000000,
];
