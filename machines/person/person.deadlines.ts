import type { AnyMachineSnapshot } from 'xstate';
import { msOf } from '../case.js';
import { LEGAL_DEADLINES, type LegalDeadline, type Text } from '../repertory.js';
import type { PersonContext } from './person.machine.js';

export interface DeadlineStatus {
  id: LegalDeadline['id'];
  text: Text;
  dueBy: string;
  metAt: string | null;
  state: 'met' | 'met_late' | 'pending' | 'overdue' | 'closed_unmet';
}

const earliest = (dates: string[]): string | null =>
  dates.reduce<string | null>((min, d) => (min === null || msOf(d) < msOf(min) ? d : min), null);

/** Adds calendar months to an ISO date, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/**
 * The legal deadlines of a person's case (D.Lgs. 181/2000 art. 3), counted from the DID date:
 * due dates, whether and when they were met. Durable deadlines live in the data, not in timers:
 * `after` transitions are not persisted by XState, so a worker reads this view instead.
 */
export function legalDeadlines(snapshot: AnyMachineSnapshot, now: Date): DeadlineStatus[] {
  const context = snapshot.context as PersonContext;
  if (!context.did) return [];
  const did = context.did;
  const metAtOf: Record<LegalDeadline['id'], string | null> = {
    // The earliest session held, whatever the order sessions were recorded in.
    guidance_interview: earliest(context.services.A3.sessions.map((s) => s.at)),
    measure_proposal: context.pai.signedAt,
  };
  return LEGAL_DEADLINES.map((deadline) => {
    const dueBy = addMonths(did.date, deadline.months[did.group]);
    const metAt = metAtOf[deadline.id];
    // Due at the end of the due day.
    const dueEnd = msOf(dueBy) + 86_400_000;
    let state: DeadlineStatus['state'];
    if (metAt) state = msOf(metAt) < dueEnd ? 'met' : 'met_late';
    else if (snapshot.status !== 'active') state = 'closed_unmet';
    else state = now.getTime() >= dueEnd ? 'overdue' : 'pending';
    return { id: deadline.id, text: deadline.text, dueBy, metAt, state };
  });
}
