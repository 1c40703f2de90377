import { describe, expect, it } from '@jest/globals';
import { isFreeText, PATHWAY_NAMES, PATHWAYS, type PathwayName, type PersistedSnapshot } from '../../machines/index.js';
import {
  aPersonCase,
  anEmployerCase,
  EMPLOYER_STAGES,
  PERSON_STAGES,
  CaseDriver,
  SAMPLE_EVENTS,
  session,
  type EventInput,
} from '../../machines/testing/case-factory.js';
import { disclosureOf, MASK } from '../../src/cases/case-disclosure.js';
import type { CaseRow, EventRow } from '../../src/cases/case.repository.js';
import type { CaseAccess } from '../../src/common/request-context.js';

/**
 * What an observer (a trainer on a real case of its offices) is shown: every free text of the
 * catalogue masked wherever the machine copies it into its context (Pathway.textInContext), checked
 * by driving every event that carries free text with a recognisable value through the real machine.
 * A new text field that the context keeps without a path in textInContext fails here.
 */

const OFFICE = '0f000000-0000-4000-8000-00000000000f';
const OBSERVER: CaseAccess = { officeIds: [], ownOfficeIds: [], practice: true, observedOfficeIds: [OFFICE] };
const FULL: CaseAccess = { officeIds: [OFFICE], ownOfficeIds: [OFFICE], practice: true, observedOfficeIds: [] };

const SECRET = 'SECRET-TEXT';
const secretOf = (type: string, field: string) => `${SECRET} ${type}.${field}`;

const rowOf = (pathway: PathwayName, snapshot: Record<string, unknown>, practice = false): CaseRow => ({
  id: '0c000000-0000-4000-8000-00000000000c',
  pathway,
  machineVersion: PATHWAYS[pathway].version,
  subject: 'RSSMRA80A01H501U',
  officeId: OFFICE,
  assigneeId: null,
  input: {},
  snapshot,
  status: 'active',
  statePaths: [],
  services: {},
  version: 1,
  practice,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const eventRow = (payload: Record<string, unknown>, idempotencyKey: string | null = null): EventRow => ({
  id: '0e000000-0000-4000-8000-00000000000e',
  caseId: '0c000000-0000-4000-8000-00000000000c',
  sequence: 2,
  type: payload.type as string,
  payload,
  stateBefore: null,
  stateAfter: null,
  actor: { id: 'op-1', username: 'op', kind: 'cpi', via: 'token', account: 'person' },
  occurredAt: new Date(0),
  recordedAt: new Date(0),
  idempotencyKey,
});

const textFields = (pathway: PathwayName, type: string) =>
  (PATHWAYS[pathway].events[type]?.fields ?? []).filter((f) => isFreeText(f.type)).map((f) => f.name);

/** A sample of the event with each of its free-text fields (optional ones too) set to a recognisable secret. */
const withSecrets = (pathway: PathwayName, sample: EventInput): EventInput => ({
  ...sample,
  ...Object.fromEntries(textFields(pathway, sample.type).map((name) => [name, secretOf(sample.type, name)])),
});

/** Steps after the stages, so that every act with free text is reached (A.4 is completed after its minimum meetings). */
const FURTHER: Record<PathwayName, EventInput[]> = {
  person: [
    { type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60) },
    { type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60) },
  ],
  employer: [],
};

/** The snapshots a real case goes through: after each event of the stages, in order. */
function statesAlong(pathway: PathwayName): PersistedSnapshot[] {
  const stages: Record<string, EventInput[]> = pathway === 'person' ? PERSON_STAGES : EMPLOYER_STAGES;
  const driver = pathway === 'person' ? aPersonCase() : anEmployerCase();
  const states = [driver.snapshot];
  for (const event of [...Object.values(stages).flat(), ...FURTHER[pathway]]) states.push(driver.apply(event).snapshot);
  return states;
}

describe.each(PATHWAY_NAMES)('an observer of a real %s case', (pathway) => {
  const observer = disclosureOf(OBSERVER, rowOf(pathway, {}))!;

  it('sees no free text the machine copied into its context, wherever a case can record it', () => {
    const samples = SAMPLE_EVENTS[pathway].filter((e) => textFields(pathway, e.type).length > 0);
    const checked = new Set<string>();
    const leaks: string[] = [];
    for (const snapshot of statesAlong(pathway)) {
      for (const sample of samples) {
        const result = new CaseDriver(pathway, snapshot).send(withSecrets(pathway, sample));
        if (!result.ok) continue;
        checked.add(sample.type);
        const shown = JSON.stringify(observer.snapshot(result.snapshot).context);
        const at = shown.indexOf(SECRET);
        if (at >= 0) leaks.push(`${sample.type}: ...${shown.slice(Math.max(0, at - 60), at + 60)}...`);
      }
    }
    expect(leaks).toEqual([]);
    expect([...checked].sort()).toEqual([...new Set(samples.map((e) => e.type))].sort());
  });

  it('sees the payloads with their free text masked, and enums, numbers, dates, ids and the envelope as they are', () => {
    for (const sample of SAMPLE_EVENTS[pathway]) {
      const payload = {
        at: '2026-10-01',
        operator: { id: 'op-1', kind: 'cpi' },
        receivedAt: '2026-11-26T12:00:00.000Z',
        ...withSecrets(pathway, sample),
      };
      const shown = observer.event(eventRow(payload)).payload;
      const texts = textFields(pathway, sample.type);
      for (const [key, value] of Object.entries(payload))
        expect({ key, value: shown[key] }).toEqual({ key, value: texts.includes(key) ? MASK : value });
    }
  });
});

describe('what an observer is shown beyond the catalogue', () => {
  const observer = disclosureOf(OBSERVER, rowOf('person', {}))!;

  it('masks the subject, marks the case masked, and keeps its state and context otherwise', () => {
    const driver = aPersonCase('needRecorded');
    const row = rowOf('person', driver.snapshot);
    const shown = observer.row(row);
    expect(shown).toMatchObject({ subject: MASK, masked: true, snapshot: { value: driver.snapshot.value } });
    expect((shown.snapshot.context as any).specificNeed).toEqual({ description: MASK, recordedAt: expect.any(String) });
    expect((shown.snapshot.context as any).did).toEqual((row.snapshot.context as any).did);
    expect(row.subject).toBe('RSSMRA80A01H501U');
  });

  it('masks the opening subject, a transfer reason and Idempotency-Keys; keeps offices, assignees and deadlines', () => {
    const opened = observer.event(
      eventRow(
        { type: 'CASE_OPENED', at: 'x', subject: 'RSSMRA80A01H501U', officeId: OFFICE, input: { targets: ['disabled'] } },
        'open-RSSMRA80A01H501U',
      ),
    );
    expect(opened.payload).toEqual({ type: 'CASE_OPENED', at: 'x', subject: MASK, officeId: OFFICE, input: { targets: ['disabled'] } });
    expect(opened.idempotencyKey).toBe(MASK);
    const transfer = {
      type: 'CASE_TRANSFERRED',
      fromOfficeId: OFFICE,
      toOfficeId: 'o2',
      reason: 'Mario moved',
      previousAssigneeId: null,
      at: 'x',
    };
    expect(observer.event(eventRow(transfer)).payload).toEqual({ ...transfer, reason: MASK });
    const deadline = { type: 'DEADLINE_OVERDUE', at: 'x', deadlineId: 'patto', dueBy: '2026-10-01', daysLeft: -1 };
    expect(observer.event(eventRow(deadline)).payload).toEqual(deadline);
    // Text the service does not know about is masked: privacy by default.
    expect(observer.event(eventRow({ type: 'SOMETHING_NEW', note: 'words', count: 2 })).payload).toEqual({
      type: 'SOMETHING_NEW',
      note: MASK,
      count: 2,
    });
  });

  it('shows a case in full reach, and a practice case, as they are', () => {
    const row = rowOf('person', aPersonCase('needRecorded').snapshot);
    for (const shown of [disclosureOf(FULL, row)!, disclosureOf(OBSERVER, { ...row, practice: true })!]) {
      expect(shown.masked).toBe(false);
      expect(shown.row(row)).toBe(row);
    }
    expect(disclosureOf(OBSERVER, { ...row, officeId: '0f000000-0000-4000-8000-0000000000ff' })).toBeNull();
  });
});
