import { STANDARDS_TIME_ZONE, calendarDateIn, type DeadlineStatus } from '../../machines/index.js';

/** A deadline as case_deadlines stores it: the machine's five states folded into pending | met | waived. */
export interface StoredDeadline {
  deadlineId: string;
  /** YYYY-MM-DD, a day in Europe/Rome. */
  dueBy: string;
  state: 'pending' | 'met' | 'waived';
  /** ISO instant, or null. */
  metAt: string | null;
}

/** What an event writes of its case's deadlines: every deadline, and the earliest pending due day. */
export interface DeadlineWrite {
  deadlines: StoredDeadline[];
  nextDueBy: string | null;
}

const STORED_STATE: Record<DeadlineStatus['state'], StoredDeadline['state']> = {
  pending: 'pending',
  // The machine reads "overdue" at its clock; stored, it is pending (overdue is derived when read).
  overdue: 'pending',
  met: 'met',
  met_late: 'met',
  closed_unmet: 'waived',
};

/**
 * The deadlines an event writes, from the engine's view of the case after it; null for a pathway
 * without deadlines (employer cases), which leaves the case's (none) as they are.
 */
export function deadlineWriteOf(deadlines: DeadlineStatus[] | null): DeadlineWrite | null {
  if (deadlines === null) return null;
  const stored = deadlines.map((d): StoredDeadline => ({
    deadlineId: d.id,
    dueBy: d.dueBy,
    state: STORED_STATE[d.state],
    metAt: d.metAt === null ? null : new Date(Date.parse(d.metAt)).toISOString(),
  }));
  const pending = stored.filter((d) => d.state === 'pending').map((d) => d.dueBy);
  return { deadlines: stored, nextDueBy: pending.length === 0 ? null : pending.reduce((a, b) => (b < a ? b : a)) };
}

/** The day (YYYY-MM-DD) an instant falls on in Europe/Rome: the standards count days there. */
export const romeDay = (at: Date): string => calendarDateIn(STANDARDS_TIME_ZONE, at.getTime());

/** Whole days from `from` to `to` (both YYYY-MM-DD): negative when `to` is earlier. */
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** A deadline as GET /cases/:id shows it. */
export interface DeadlineView {
  id: string;
  text: { it: string; en: string };
  dueBy: string;
  metAt: string | null;
  state: 'pending' | 'met' | 'overdue' | 'waived';
  /** Days from today (Europe/Rome) to the due day, negative when overdue; null when met or waived. */
  daysLeft: number | null;
}

/**
 * The public view of the machine's deadlines at `now`: met late is met, closed unmet is waived,
 * and a pending deadline is overdue as soon as its day has passed in Europe/Rome (whether or not
 * the scheduler has run).
 */
export function deadlineViewsOf(deadlines: DeadlineStatus[], now: Date): DeadlineView[] {
  const today = romeDay(now);
  return deadlines.map((d) => {
    const stored = STORED_STATE[d.state];
    const daysLeft = stored === 'pending' ? daysBetween(today, d.dueBy) : null;
    const state = stored === 'pending' && daysLeft !== null && daysLeft < 0 ? 'overdue' : stored;
    return { id: d.id, text: d.text, dueBy: d.dueBy, metAt: d.metAt, state, daysLeft };
  });
}
