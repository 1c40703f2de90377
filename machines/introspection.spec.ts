/**
 * Introspection: what the machines say about themselves. Every guard is named and catalogued,
 * `describePathway` is a faithful, JSON-safe picture of each machine with a pinned fingerprint,
 * `availableEvents` agrees with what the engine then does, `serviceStatuses` follows a case through
 * its services, and `legalDeadlines` counts the D.Lgs. 181/2000 terms from the DID date.
 */
import { describe, expect, it } from '@jest/globals';
import { allTransitions, describePathway, fingerprint, guardUses, type StateDescription } from './definition.js';
import { availableEvents, serviceStatuses, type AvailableEvents } from './explain.js';
import { PATHWAYS, PATHWAY_NAMES, type PathwayName } from './pathways.js';
import { addMonths, legalDeadlines, type DeadlineStatus } from './person/person.deadlines.js';
import {
  ACCREDITED,
  ACT_DATE,
  CPI,
  CaseDriver,
  DID_DATE,
  NOW,
  SAMPLE_EVENTS,
  aPersonCase,
  anEmployerCase,
  session,
  type EventInput,
} from './testing/case-factory.js';

const sampleOf = (pathway: PathwayName, type: string): EventInput => {
  const sample = SAMPLE_EVENTS[pathway].find((e) => e.type === type);
  if (!sample) throw new Error(`no sample for ${pathway} ${type}`);
  return sample;
};

/**
 * Codes of the guards that read the event's payload (or compare it with the case): refusals an
 * event list cannot foresee, as no payload is known until the event is sent.
 */
const EVENT_LEVEL_CODES = [
  'PAYLOAD_INVALID',
  'DATE_IN_FUTURE',
  'DATE_BEFORE_PATTO',
  'DATE_BEFORE_DID',
  'DID_DATE_AFTER_ACT',
  'DELIVERY_MODE_NOT_ALLOWED',
  'DURATION_BELOW_MINIMUM',
  'CONTRACT_START_OUT_OF_RANGE',
  'VACANCY_NOT_RECORDED',
  'VACANCY_ALREADY_RECORDED',
  'NO_CANDIDATE_PUT_FORWARD',
];

const eventTypes = (name: PathwayName): string[] => Object.keys(PATHWAYS[name].events);

const allowedAndBlocked = (available: AvailableEvents): string[] => [...available.allowed, ...available.blocked.map((b) => b.event)];

const blockedEntry = (available: AvailableEvents, event: string) => {
  const entry = available.blocked.find((b) => b.event === event);
  if (!entry) throw new Error(`${event} is not blocked; allowed: ${available.allowed.join(', ')}`);
  return { kind: entry.kind, codes: entry.reasons.map((r) => r.code) };
};

/** A person case: the factory's stage, then further events, all of which must be applied. */
const personCase = (events: EventInput[], input?: unknown): CaseDriver => {
  const driver = aPersonCase('new', input);
  events.forEach((e) => driver.apply(e));
  return driver;
};

/** The state descriptions of a tree, parents before children. */
const flatten = (node: StateDescription): StateDescription[] => [node, ...node.states.flatMap(flatten)];

describe.each(PATHWAY_NAMES)('%s pathway: every guard is named and catalogued', (name) => {
  const pathway = PATHWAYS[name];
  const transitions = allTransitions(pathway.machine);
  const label = (t: (typeof transitions)[number]) => `${t.source.id} --${String(t.eventType)}-->`;

  it('has transitions to check', () => {
    expect(transitions.length).toBeGreaterThan(eventTypes(name).length - 1);
  });

  it('reads the guards of every transition as named guards', () => {
    const unreadable = transitions.filter((t) => {
      try {
        guardUses(t.guard);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable.map(label)).toEqual([]);
  });

  it('starts every guard list with payloadValid and dateNotInFuture', () => {
    const wrong = transitions
      .map((t) => ({ t, names: guardUses(t.guard).map((g) => g.name) }))
      .filter(({ names }) => names[0] !== 'payloadValid' || names[1] !== 'dateNotInFuture');
    expect(wrong.map(({ t, names }) => `${label(t)} ${names.join(',')}`)).toEqual([]);
  });

  it('catalogues every guard a transition uses, with an implementation, a code and both messages', () => {
    const implementations = pathway.machine.implementations.guards;
    const used = new Set(transitions.flatMap((t) => guardUses(t.guard).map((g) => g.name)));
    expect(used.size).toBeGreaterThan(2);
    for (const guard of used) {
      const spec = pathway.guards[guard];
      expect({ guard, catalogued: spec !== undefined, implemented: guard in implementations }).toEqual({
        guard,
        catalogued: true,
        implemented: true,
      });
      expect(spec.code.trim()).not.toBe('');
      expect(spec.message.it.trim()).not.toBe('');
      expect(spec.message.en.trim()).not.toBe('');
      expect(['case', 'operator', 'event']).toContain(spec.reads);
    }
  });

  it('gives each guard of the catalogue its own code', () => {
    const byCode = new Map<string, string[]>();
    for (const [guard, spec] of Object.entries(pathway.guards)) byCode.set(spec.code, [...(byCode.get(spec.code) ?? []), guard]);
    const shared = [...byCode].filter(([, guards]) => guards.length > 1);
    expect(shared).toEqual([]);
  });

  it('names every action, with an implementation (describePathway does not throw)', () => {
    expect(() => describePathway(name)).not.toThrow();
    const implementations = pathway.machine.implementations.actions;
    const actions = new Set(flatten(describePathway(name).root).flatMap((s) => s.transitions.flatMap((t) => t.actions)));
    expect(actions.size).toBeGreaterThan(0);
    expect([...actions].filter((a) => !(a in implementations))).toEqual([]);
  });

  it('describes every guard with its catalogued code', () => {
    const codes = flatten(describePathway(name).root).flatMap((s) => s.transitions.flatMap((t) => t.guards.map((g) => g.code)));
    expect(codes).not.toContain('UNKNOWN_GUARD');
  });
});

describe('guards shared by both pathways', () => {
  it('keep the same code in both catalogues, and a code means one guard across pathways', () => {
    const person = PATHWAYS.person.guards;
    const employer = PATHWAYS.employer.guards;
    const sharedNames = Object.keys(person).filter((g) => Object.hasOwn(employer, g));
    expect(sharedNames).toEqual(expect.arrayContaining(['payloadValid', 'dateNotInFuture', 'pattoSigned', 'precedingServicesCompleted']));
    for (const guard of sharedNames) expect({ guard, code: employer[guard].code }).toEqual({ guard, code: person[guard].code });
    const nameOfCode = new Map(Object.entries(person).map(([guard, spec]) => [spec.code, guard]));
    for (const [guard, spec] of Object.entries(employer)) {
      if (nameOfCode.has(spec.code)) expect({ code: spec.code, guard }).toEqual({ code: spec.code, guard: nameOfCode.get(spec.code) });
    }
  });

  it('list as event-level exactly the codes of the guards that read the event', () => {
    const eventCodes = new Set(
      PATHWAY_NAMES.flatMap((n) =>
        Object.values(PATHWAYS[n].guards)
          .filter((spec) => spec.reads === 'event')
          .map((spec) => spec.code),
      ),
    );
    expect([...eventCodes].sort()).toEqual([...EVENT_LEVEL_CODES].sort());
  });
});

describe('describePathway', () => {
  const EXPECTED = {
    person: {
      regions: { A1: 'A1', A2: 'A2', A3: 'A3', A4: 'A4', A5: 'A5', A6: 'A6', training: null },
      finals: { placed: 'placed', withdrawn: 'withdrawn', pattoRefused: 'patto_refused' },
    },
    employer: {
      regions: { B1: 'B1', B2: 'B2', B3: 'B3', B4: 'B4' },
      finals: { closed: 'closed', withdrawn: 'withdrawn', pattoRefused: 'patto_refused' },
    },
  } as const;

  it.each(PATHWAY_NAMES)('gives %s its version and a fingerprint stable across calls', (name) => {
    const first = describePathway(name);
    const second = describePathway(name);
    expect(first.version).toBe(PATHWAYS[name].version);
    expect(first.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{14}$/);
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('fingerprints person and employer differently', () => {
    expect(describePathway('person').fingerprint).not.toBe(describePathway('employer').fingerprint);
  });

  it.each(PATHWAY_NAMES)('describes %s as an open parallel state over its services, and its final outcomes', (name) => {
    const { root } = describePathway(name);
    expect(root).toMatchObject({ id: name, type: 'compound', initial: 'open' });
    const open = root.states.find((s) => s.key === 'open');
    expect(open?.type).toBe('parallel');
    expect(open?.initial).toBeNull();
    expect(Object.fromEntries((open?.states ?? []).map((r) => [r.key, r.service]))).toEqual(EXPECTED[name].regions);
    const services = (open?.states ?? []).flatMap((r) => (r.service ? [r.service] : []));
    expect(services).toEqual(PATHWAYS[name].services);
    const finals = flatten(root).filter((s) => s.type === 'final');
    expect(Object.fromEntries(finals.map((s) => [s.key, s.outcome]))).toEqual(EXPECTED[name].finals);
    expect(finals.every((s) => s.transitions.length === 0 && s.states.length === 0)).toBe(true);
  });

  it.each(PATHWAY_NAMES)('describes every event of %s, and only those, on some transition', (name) => {
    const described = describePathway(name);
    const onTransitions = new Set(flatten(described.root).flatMap((s) => s.transitions.map((t) => t.event)));
    expect([...onTransitions].sort()).toEqual(eventTypes(name).sort());
    expect(described.events.map((e) => e.type)).toEqual(eventTypes(name));
  });

  it.each(PATHWAY_NAMES)('round-trips the %s description through JSON unchanged (it is served over HTTP)', (name) => {
    const described = describePathway(name);
    const copy = JSON.parse(JSON.stringify(described)) as typeof described;
    expect(copy).toStrictEqual(described);
    // The fingerprint is the hash of the served body, so a client can recompute it.
    const { fingerprint: served, ...body } = copy;
    expect(fingerprint(JSON.stringify(body))).toBe(served);
  });
});

describe('machine versions', () => {
  // 1.0.0's fingerprints changed once without a version bump, when minMeetings became optional and
  // the minimumMeetings guard moved to the shared catalogue: the description changed, every
  // transition and guard verdict did not (a bump would have made every open case 409 CASE_MACHINE_OUTDATED).
  // They changed again, for the same reason, in Step 8: services gained `about` and guards `label`
  // (words for trainees), and the catalogue marked its identifier fields (`identifier: true`: what a
  // trainer observing a real case is shown); no payload accepted, transition or verdict changed.
  // When this fails, the machine changed: bump the version in the machine file (persisted cases
  // keep the version they were created on) and update the fingerprint here.
  it('pins the person machine to its version', () => {
    const { version, fingerprint: current } = describePathway('person');
    expect({ version, fingerprint: current }).toEqual({ version: '1.0.0', fingerprint: '170b0a71e2f113' });
  });

  // When this fails, the machine changed: bump the version in the machine file (persisted cases
  // keep the version they were created on) and update the fingerprint here.
  it('pins the employer machine to its version', () => {
    const { version, fingerprint: current } = describePathway('employer');
    expect({ version, fingerprint: current }).toEqual({ version: '1.0.0', fingerprint: '128a88c62413b2' });
  });
});

describe('availableEvents: person', () => {
  it('lists what a new case can do, and what it cannot yet', () => {
    const available = availableEvents(aPersonCase('new').machineSnapshot);
    expect(available.allowed).toEqual(
      expect.arrayContaining(['INFORMATION_GIVEN', 'INTAKE_SESSION_HELD', 'WITHDRAWN', 'TARGET_PROFILE_RECORDED']),
    );
    expect(available.allowed).not.toContain('GUIDANCE_SESSION_HELD');
    const guidance = blockedEntry(available, 'GUIDANCE_SESSION_HELD');
    expect(guidance.kind).toBe('guards_failed');
    expect(guidance.codes).toEqual(expect.arrayContaining(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']));
    expect(blockedEntry(available, 'PAI_SIGNED')).toEqual({ kind: 'not_available', codes: ['EVENT_NOT_AVAILABLE'] });
  });

  it('reports no payload guard: no payload is known yet', () => {
    for (const driver of [aPersonCase('new'), aPersonCase('intake'), aPersonCase('pattoSigned'), aPersonCase('guidance')]) {
      for (const options of [{}, { operator: ACCREDITED }, { operator: CPI }]) {
        const codes = availableEvents(driver.machineSnapshot, options).blocked.flatMap((b) => b.reasons.map((r) => r.code));
        expect(codes.length).toBeGreaterThan(0);
        expect(codes.filter((c) => EVENT_LEVEL_CODES.includes(c))).toEqual([]);
      }
    }
  });

  it('evaluates DID_CERTIFIED on the case only without an operator, and on the operator when one is given', () => {
    expect(blockedEntry(availableEvents(aPersonCase('new').machineSnapshot), 'DID_CERTIFIED')).toEqual({
      kind: 'guards_failed',
      codes: ['DID_CERTIFICATION_NOT_REQUESTED'],
    });
    const requested = aPersonCase('intakeRecorded').machineSnapshot;
    expect(availableEvents(requested).allowed).toContain('DID_CERTIFIED');
    expect(blockedEntry(availableEvents(requested, { operator: ACCREDITED }), 'DID_CERTIFIED')).toEqual({
      kind: 'guards_failed',
      codes: ['CPI_ONLY_ACT'],
    });
    expect(availableEvents(requested, { operator: CPI }).allowed).toContain('DID_CERTIFIED');
  });

  it('allows guidance once the Patto is signed', () => {
    const available = availableEvents(aPersonCase('pattoSigned').machineSnapshot);
    expect(available.allowed).toContain('GUIDANCE_SESSION_HELD');
    expect(available.allowed).not.toContain('PATTO_SIGNED');
  });

  it.each(['new', 'intake', 'intakeRecorded', 'pattoSigned', 'paiSigned', 'matching', 'interview'] as const)(
    'names every event of the pathway exactly once at stage %s',
    (stage) => {
      for (const options of [{}, { operator: ACCREDITED }, { operator: CPI }]) {
        const listed = allowedAndBlocked(availableEvents(aPersonCase(stage).machineSnapshot, options));
        expect([...listed].sort()).toEqual(eventTypes('person').sort());
      }
    },
  );

  it('blocks everything on a closed case with CASE_CLOSED', () => {
    const closed = aPersonCase('guidance').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' });
    for (const options of [{}, { operator: CPI }]) {
      const available = availableEvents(closed.machineSnapshot, options);
      expect(available.allowed).toEqual([]);
      expect(available.blocked.map((b) => b.event).sort()).toEqual(eventTypes('person').sort());
      for (const b of available.blocked) {
        expect({ event: b.event, kind: b.kind, codes: b.reasons.map((r) => r.code) }).toEqual({
          event: b.event,
          kind: 'case_closed',
          codes: ['CASE_CLOSED'],
        });
      }
    }
  });
});

describe('availableEvents: employer', () => {
  it('lists what a new case can do, and blocks B.4 until B.1, B.2 and the Patto', () => {
    const available = availableEvents(anEmployerCase('new').machineSnapshot);
    expect(available.allowed).toEqual(expect.arrayContaining(['COMPANY_CONTACTED', 'EMPLOYER_INTAKE_HELD', 'CASE_CLOSED', 'WITHDRAWN']));
    const candidate = blockedEntry(available, 'CANDIDATE_PUT_FORWARD');
    expect(candidate.kind).toBe('guards_failed');
    expect(candidate.codes).toEqual(expect.arrayContaining(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']));
    expect(blockedEntry(available, 'HIRING_DECLARED')).toEqual({ kind: 'not_available', codes: ['EVENT_NOT_AVAILABLE'] });
  });

  it('keeps B.4 blocked while B.2 is still under way, Patto signed', () => {
    const candidate = blockedEntry(availableEvents(anEmployerCase('pattoSigned').machineSnapshot), 'CANDIDATE_PUT_FORWARD');
    expect(candidate).toEqual({ kind: 'guards_failed', codes: ['PRECEDING_SERVICE_NOT_COMPLETED'] });
  });

  it('allows B.4 once B.1 and B.2 are completed and the Patto signed', () => {
    const available = availableEvents(anEmployerCase('actionPlan').machineSnapshot);
    expect(available.allowed).toEqual(expect.arrayContaining(['CANDIDATE_PUT_FORWARD', 'CONSULTING_SESSION_HELD']));
  });

  it('does not report VACANCY_NOT_RECORDED: it reads the payload, so the engine refuses it when sent', () => {
    const driver = anEmployerCase('interest');
    [
      { type: 'EMPLOYER_INTAKE_HELD', ...session('individual', 30) },
      { type: 'COMPANY_RECORD_UPDATED' },
      { type: 'PATTO_SIGNED' },
      { type: 'ACTION_PLAN_OPENED' },
    ].forEach((e) => driver.apply(e));
    expect(availableEvents(driver.machineSnapshot).allowed).toContain('CANDIDATE_PUT_FORWARD');
    expect(driver.codes({ type: 'CANDIDATE_PUT_FORWARD', vacancyId: 'V-1', personCaseId: 'P-1' })).toEqual(['VACANCY_NOT_RECORDED']);
  });

  it('reports no payload guard: no payload is known yet', () => {
    for (const driver of [anEmployerCase('new'), anEmployerCase('companyRecord'), anEmployerCase('candidate')]) {
      const codes = availableEvents(driver.machineSnapshot).blocked.flatMap((b) => b.reasons.map((r) => r.code));
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.filter((c) => EVENT_LEVEL_CODES.includes(c))).toEqual([]);
    }
  });

  it.each(['new', 'contacted', 'interest', 'companyRecord', 'actionPlan', 'candidate'] as const)(
    'names every event of the pathway exactly once at stage %s',
    (stage) => {
      const listed = allowedAndBlocked(availableEvents(anEmployerCase(stage).machineSnapshot, { operator: ACCREDITED }));
      expect([...listed].sort()).toEqual(eventTypes('employer').sort());
    },
  );

  it('blocks everything on a closed case with CASE_CLOSED', () => {
    const closed = anEmployerCase('candidate').apply({ type: 'CASE_CLOSED', reason: 'Vacancies filled' });
    const available = availableEvents(closed.machineSnapshot);
    expect(available.allowed).toEqual([]);
    expect(available.blocked.map((b) => b.event).sort()).toEqual(eventTypes('employer').sort());
    expect(available.blocked.every((b) => b.kind === 'case_closed' && b.reasons.every((r) => r.code === 'CASE_CLOSED'))).toBe(true);
  });
});

describe('availableEvents agrees with the engine', () => {
  const withdrawn = (driver: CaseDriver) => driver.apply(sampleOf(driver.pathway, 'WITHDRAWN'));
  const CASES: [string, () => CaseDriver][] = [
    ['person new', () => aPersonCase('new')],
    ['person new, disabled target', () => aPersonCase('new', { targets: ['disabled'] })],
    ['person intake', () => aPersonCase('intake')],
    ['person intakeRecorded', () => aPersonCase('intakeRecorded')],
    ['person pattoSigned', () => aPersonCase('pattoSigned')],
    ['person guidance', () => aPersonCase('guidance')],
    ['person paiSigned', () => aPersonCase('paiSigned')],
    ['person counselling', () => aPersonCase('counselling')],
    ['person interview', () => aPersonCase('interview')],
    ['person withdrawn', () => withdrawn(aPersonCase('guidance'))],
    ['employer new', () => anEmployerCase('new')],
    ['employer contacted', () => anEmployerCase('contacted')],
    ['employer intake', () => anEmployerCase('intake')],
    ['employer companyRecord', () => anEmployerCase('companyRecord')],
    ['employer actionPlan', () => anEmployerCase('actionPlan')],
    ['employer candidate', () => anEmployerCase('candidate')],
    ['employer withdrawn', () => withdrawn(anEmployerCase('pattoSigned'))],
  ];

  it.each(CASES)('%s: blocked events are refused as listed, allowed ones refused only on the payload', (_label, make) => {
    const at = make();
    const mismatches: string[] = [];
    let applied = 0;
    for (const operator of [ACCREDITED, CPI]) {
      const available = availableEvents(at.machineSnapshot, { operator });
      for (const type of eventTypes(at.pathway)) {
        const result = new CaseDriver(at.pathway, at.snapshot, operator).send(sampleOf(at.pathway, type));
        const sent = result.ok ? 'applied' : `${result.refusal.kind} ${result.refusal.reasons.map((r) => r.code).join(',')}`;
        const blocked = available.blocked.find((b) => b.event === type);
        if (blocked) {
          const listedCodes = blocked.reasons.map((r) => r.code);
          const refusedAsListed =
            !result.ok &&
            result.refusal.kind === blocked.kind &&
            listedCodes.every((c) => result.refusal.reasons.some((r) => r.code === c));
          if (!refusedAsListed) mismatches.push(`${operator.kind} ${type}: blocked (${blocked.kind} ${listedCodes.join(',')}) but ${sent}`);
        } else if (result.ok) {
          applied += 1;
        } else if (!result.refusal.reasons.every((r) => EVENT_LEVEL_CODES.includes(r.code))) {
          mismatches.push(`${operator.kind} ${type}: allowed but ${sent}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    if (at.snapshot.status === 'active') expect(applied).toBeGreaterThan(0);
  });
});

describe('serviceStatuses: person', () => {
  const statuses = (driver: CaseDriver) => serviceStatuses(driver.machineSnapshot);

  it('starts with every service not started, and A.4 not applicable without a specific need', () => {
    expect(statuses(aPersonCase('new'))).toEqual({
      A1: 'not_started',
      A2: 'not_started',
      A3: 'not_started',
      A4: 'not_applicable',
      A5: 'not_started',
      A6: 'not_started',
    });
  });

  it('follows the services through a case', () => {
    expect(statuses(aPersonCase('intake'))).toMatchObject({ A2: 'active', A3: 'not_started' });
    expect(statuses(aPersonCase('pattoSigned'))).toMatchObject({ A2: 'completed', A3: 'not_started' });
    expect(statuses(aPersonCase('guidance'))).toMatchObject({ A2: 'completed', A3: 'active', A4: 'not_applicable' });
    expect(statuses(aPersonCase('paiSigned'))).toMatchObject({ A3: 'completed', A4: 'not_applicable' });
    expect(statuses(aPersonCase('needRecorded'))).toMatchObject({ A3: 'completed', A4: 'not_started' });
    expect(statuses(aPersonCase('counselling'))).toMatchObject({ A4: 'active', A5: 'not_started' });
    expect(statuses(aPersonCase('jobSearch'))).toMatchObject({ A4: 'active', A5: 'active', A6: 'not_started' });
    expect(statuses(aPersonCase('matching'))).toMatchObject({ A5: 'active', A6: 'active' });
    expect(statuses(aPersonCase('new').apply({ type: 'INFORMATION_GIVEN', referral: 'A2' }))).toMatchObject({
      A1: 'completed',
      A2: 'not_started',
    });
  });

  it('keeps A.4 not applicable until a specific need is recorded', () => {
    for (const stage of ['new', 'intake', 'intakeRecorded', 'pattoSigned', 'guidance', 'paiSigned'] as const) {
      expect({ stage, A4: statuses(aPersonCase(stage)).A4 }).toEqual({ stage, A4: 'not_applicable' });
    }
    expect(statuses(aPersonCase('needRecorded')).A4).toBe('not_started');
  });

  it('on withdrawal completes the services under way and leaves the others not applicable', () => {
    const driver = aPersonCase('counselling').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' });
    expect(statuses(driver)).toEqual({
      A1: 'not_applicable',
      A2: 'completed',
      A3: 'completed',
      A4: 'completed',
      A5: 'not_applicable',
      A6: 'not_applicable',
    });
    expect(statuses(aPersonCase('guidance').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' }))).toEqual({
      A1: 'not_applicable',
      A2: 'completed',
      A3: 'completed',
      A4: 'not_applicable',
      A5: 'not_applicable',
      A6: 'not_applicable',
    });
    expect(new Set(Object.values(statuses(aPersonCase('new').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' }))))).toEqual(
      new Set(['not_applicable']),
    );
  });
});

describe('serviceStatuses: employer', () => {
  const statuses = (driver: CaseDriver) => serviceStatuses(driver.machineSnapshot);

  it('follows B.1 to B.4 through a case', () => {
    expect(statuses(anEmployerCase('new'))).toEqual({ B1: 'not_started', B2: 'not_started', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('contacted'))).toEqual({ B1: 'active', B2: 'not_started', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('interest'))).toEqual({ B1: 'completed', B2: 'not_started', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('intake'))).toEqual({ B1: 'completed', B2: 'active', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('pattoSigned'))).toEqual({ B1: 'completed', B2: 'active', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('actionPlan'))).toEqual({ B1: 'completed', B2: 'completed', B3: 'not_started', B4: 'not_started' });
    expect(statuses(anEmployerCase('candidate'))).toEqual({ B1: 'completed', B2: 'completed', B3: 'not_started', B4: 'active' });
    const consulting = anEmployerCase('candidate').apply(sampleOf('employer', 'CONSULTING_SESSION_HELD'));
    expect(statuses(consulting)).toEqual({ B1: 'completed', B2: 'completed', B3: 'active', B4: 'active' });
    expect(statuses(consulting.apply({ type: 'CONSULTING_COMPLETED' }))).toMatchObject({ B3: 'completed', B4: 'active' });
  });

  it('on closing completes the services under way and leaves the others not applicable', () => {
    expect(statuses(anEmployerCase('candidate').apply({ type: 'CASE_CLOSED', reason: 'Vacancies filled' }))).toEqual({
      B1: 'completed',
      B2: 'completed',
      B3: 'not_applicable',
      B4: 'completed',
    });
    expect(statuses(anEmployerCase('intake').apply({ type: 'WITHDRAWN', reason: 'Company closed' }))).toEqual({
      B1: 'completed',
      B2: 'completed',
      B3: 'not_applicable',
      B4: 'not_applicable',
    });
  });
});

describe('legalDeadlines', () => {
  const deadlines = (driver: CaseDriver, now: Date = NOW) =>
    Object.fromEntries(
      legalDeadlines(driver.machineSnapshot, now).map((d): [string, Omit<DeadlineStatus, 'id' | 'text'>] => [
        d.id,
        { dueBy: d.dueBy, metAt: d.metAt, state: d.state },
      ]),
    );

  /** A case whose DID (and intake, Patto) date from January 2026, long before ACT_DATE. */
  const EARLY = '2026-01-10';
  const earlyCase = () =>
    personCase([
      { type: 'INTAKE_SESSION_HELD', ...session('individual', 30), at: EARLY },
      { type: 'REGISTRY_UPDATED', at: EARLY },
      { type: 'DID_RECEIVED', didDate: EARLY, deadlineGroup: 'other', at: EARLY },
      { type: 'DID_CERTIFICATION_REQUESTED', at: EARLY },
      { type: 'PATTO_SIGNED', at: EARLY },
    ]);

  it('adds calendar months, clamping to the last day of the month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-09-01', 3)).toBe('2026-12-01');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonths('2026-10-31', 6)).toBe('2027-04-30');
    expect(addMonths('2026-09-01T10:00:00Z', 6)).toBe('2027-03-01');
  });

  it('has no deadlines before the DID is received', () => {
    expect(legalDeadlines(aPersonCase('new').machineSnapshot, NOW)).toEqual([]);
    expect(legalDeadlines(aPersonCase('intake').machineSnapshot, NOW)).toEqual([]);
  });

  it('counts three and six months from the DID for the "other" group, pending before the due day', () => {
    const statuses = legalDeadlines(aPersonCase('intakeRecorded').machineSnapshot, NOW);
    expect(statuses.map((d) => d.id)).toEqual(['guidance_interview', 'measure_proposal']);
    for (const d of statuses) {
      expect(d.text.it.trim()).not.toBe('');
      expect(d.text.en.trim()).not.toBe('');
    }
    expect(deadlines(aPersonCase('intakeRecorded'))).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: null, state: 'pending' },
      measure_proposal: { dueBy: '2027-03-01', metAt: null, state: 'pending' },
    });
  });

  it('counts four months for the measure proposal in the priority group', () => {
    const driver = personCase([
      { type: 'INTAKE_SESSION_HELD', ...session('individual', 30), at: DID_DATE },
      { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'priority', at: DID_DATE },
    ]);
    expect(deadlines(driver)).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: null, state: 'pending' },
      measure_proposal: { dueBy: '2027-01-01', metAt: null, state: 'pending' },
    });
  });

  it('is pending through the due day and overdue after it', () => {
    const driver = aPersonCase('intakeRecorded');
    expect(deadlines(driver, new Date('2026-12-01T12:00:00Z')).guidance_interview.state).toBe('pending');
    expect(deadlines(driver, new Date('2026-12-02T12:00:00Z')).guidance_interview.state).toBe('overdue');
    expect(deadlines(driver, new Date('2027-03-02T12:00:00Z'))).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: null, state: 'overdue' },
      measure_proposal: { dueBy: '2027-03-01', metAt: null, state: 'overdue' },
    });
  });

  it('is met by the first A.3 session and the PAI signature on or before the due date, whatever the clock', () => {
    const later = new Date('2027-06-01T12:00:00Z');
    expect(deadlines(aPersonCase('guidance'), later)).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: ACT_DATE, state: 'met' },
      measure_proposal: { dueBy: '2027-03-01', metAt: null, state: 'overdue' },
    });
    expect(deadlines(aPersonCase('paiSigned'), later)).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: ACT_DATE, state: 'met' },
      measure_proposal: { dueBy: '2027-03-01', metAt: ACT_DATE, state: 'met' },
    });
  });

  it('counts a session on the due date itself as met, and one the day after as late', () => {
    const clock = new Date('2026-12-10T12:00:00Z');
    for (const [at, state] of [
      ['2026-12-01', 'met'],
      ['2026-12-02', 'met_late'],
    ] as const) {
      const driver = aPersonCase('pattoSigned');
      const result = driver.send({ type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60), at }, clock);
      expect(result.ok).toBe(true);
      expect(deadlines(driver, clock).guidance_interview).toEqual({ dueBy: '2026-12-01', metAt: at, state });
    }
  });

  it('is met late when the act comes after the due date', () => {
    const driver = earlyCase().apply({ type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60) });
    expect(deadlines(driver)).toEqual({
      guidance_interview: { dueBy: '2026-04-10', metAt: ACT_DATE, state: 'met_late' },
      measure_proposal: { dueBy: '2026-07-10', metAt: null, state: 'overdue' },
    });
    driver.apply({ type: 'PAI_SIGNED' });
    expect(deadlines(driver).measure_proposal).toEqual({ dueBy: '2026-07-10', metAt: ACT_DATE, state: 'met_late' });
  });

  it('dates the guidance interview from the earliest A.3 session, not the first one recorded', () => {
    // Sessions are often recorded after the fact: a session held in March and recorded after one
    // held in October still met the three-month term (due 10 April).
    const driver = earlyCase()
      .apply({ type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60) })
      .apply({ type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60), at: '2026-03-01' });
    expect(deadlines(driver).guidance_interview).toEqual({ dueBy: '2026-04-10', metAt: '2026-03-01', state: 'met' });
  });

  it('is closed unmet on a withdrawn case without the act, and keeps what was met', () => {
    const withdrawn = aPersonCase('intakeRecorded').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' });
    expect(deadlines(withdrawn, new Date('2027-06-01T12:00:00Z'))).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: null, state: 'closed_unmet' },
      measure_proposal: { dueBy: '2027-03-01', metAt: null, state: 'closed_unmet' },
    });
    const afterGuidance = aPersonCase('guidance').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' });
    expect(deadlines(afterGuidance)).toEqual({
      guidance_interview: { dueBy: '2026-12-01', metAt: ACT_DATE, state: 'met' },
      measure_proposal: { dueBy: '2027-03-01', metAt: null, state: 'closed_unmet' },
    });
  });
});
