/**
 * The words a trainee reads beside the diagram: every service's `about` (purpose, who may deliver
 * it, minimum duration, access, outputs) and every guard's rule in plain words, in Italian and in
 * English, as GET /pathways/:name serves them.
 */
import { describe, expect, it } from '@jest/globals';
import { describePathway, type StateDescription } from './definition.js';
import { PATHWAYS, PATHWAY_NAMES } from './pathways.js';
import { SERVICES, durationText, minutesText, serviceAbout, type ServiceKey, type Text } from './repertory.js';

const LANGUAGES = ['it', 'en'] as const;
const ALL_SERVICES = Object.keys(SERVICES) as ServiceKey[];

const flatten = (state: StateDescription): StateDescription[] => [state, ...state.states.flatMap(flatten)];

/** A text a person can read: non-empty in both languages, no placeholder left, the two not identical where words differ. */
const expectReadable = (text: Text, where: string) => {
  for (const lang of LANGUAGES) {
    expect({ where, lang, text: text[lang].trim().length > 0 }).toEqual({ where, lang, text: true });
    expect({ where, lang, placeholder: /\{\w+\}/.test(text[lang]) }).toEqual({ where, lang, placeholder: false });
  }
};

describe("the services' standard text", () => {
  it.each(ALL_SERVICES)('gives %s a purpose, who may deliver it, a duration, access and outputs in both languages', (key) => {
    const about = serviceAbout(key);
    expectReadable(about.purpose, `${key} purpose`);
    expectReadable(about.deliveredBy, `${key} deliveredBy`);
    expectReadable(about.duration, `${key} duration`);
    expectReadable(about.access, `${key} access`);
    expect(about.outputs.length).toBeGreaterThan(0);
    about.outputs.forEach((output, i) => expectReadable(output, `${key} output ${i}`));
    // The Italian is the seed's own words: not the English copied over.
    expect(about.purpose.it).not.toBe(about.purpose.en);
    expect(about.deliveredBy.it).not.toBe(about.deliveredBy.en);
    // Who may deliver it names the network that the standards bind (CPI and accredited operators).
    expect(about.deliveredBy.it).toMatch(/CPI/);
    expect(about.deliveredBy.en).toMatch(/accredited/);
  });

  it('says the minimum duration from the minutes the guards enforce', () => {
    expect(durationText('A2')).toEqual({
      it: 'Incontri individuali: almeno 30 minuti; incontri di gruppo: almeno 1 ora.',
      en: 'Individual meetings: at least 30 minutes; group meetings: at least 1 hour.',
    });
    expect(durationText('A4')).toEqual({
      it: 'Incontri individuali (almeno 2): almeno 1 ora ciascuno.',
      en: 'Individual meetings (at least 2): at least 1 hour each.',
    });
    expect(durationText('B4').en).toBe('Back-office work: no minimum duration, it depends on the request.');
    expect(minutesText(120)).toEqual({ it: '2 ore', en: '2 hours' });
    expect(minutesText(45)).toEqual({ it: '45 minuti', en: '45 minutes' });
    // Every minimum the repertory sets appears in the sentence.
    for (const key of ALL_SERVICES) {
      for (const min of Object.values(SERVICES[key].minMinutes)) {
        if (min !== null && min !== undefined) expect(durationText(key).en).toContain(minutesText(min).en);
      }
    }
  });

  it.each(PATHWAY_NAMES)('serves each %s service with its about, in pathway order', (name) => {
    const described = describePathway(name);
    expect(described.services.map((s) => s.key)).toEqual(PATHWAYS[name].services);
    for (const service of described.services) expect(service.about).toEqual(serviceAbout(service.key));
  });
});

describe('guards in plain words', () => {
  it.each(PATHWAY_NAMES)('gives every %s guard a short label in both languages, distinct from its code and name', (name) => {
    for (const [guard, spec] of Object.entries(PATHWAYS[name].guards)) {
      for (const lang of LANGUAGES) {
        expect({ guard, lang, empty: spec.label[lang].trim() === '' }).toEqual({ guard, lang, empty: false });
        // A label is a phrase beside an arrow, not the refusal sentence.
        expect({ guard, lang, long: spec.label[lang].length > 60 }).toEqual({ guard, lang, long: false });
        expect(spec.label[lang]).not.toContain(guard);
        expect(spec.label[lang]).not.toContain(spec.code);
      }
    }
  });

  it.each(PATHWAY_NAMES)("fills every %s transition's guard labels from the guard's parameters", (name) => {
    const guards = flatten(describePathway(name).root).flatMap((s) => s.transitions.flatMap((t) => t.guards));
    expect(guards.length).toBeGreaterThan(20);
    for (const g of guards) expectReadable(g.label, `${name} ${g.name} ${JSON.stringify(g.params)}`);
  });

  it('names the services an access rule waits for', () => {
    const person = flatten(describePathway('person').root);
    const labelOf = (guard: string, service: string) =>
      person.flatMap((s) => s.transitions.flatMap((t) => t.guards)).find((g) => g.name === guard && g.params.service === service)?.label;
    expect(labelOf('precedingServicesCompleted', 'A3')).toEqual({ it: 'dopo aver concluso A.2', en: 'after completing A.2' });
    expect(labelOf('precedingOrConcurrentServiceStarted', 'A6')).toEqual({
      it: 'dopo o insieme ad A.3 o A.4 o A.5',
      en: 'after or together with A.3 or A.4 or A.5',
    });
    expect(labelOf('minimumDuration', 'A2')).toEqual({
      it: 'durata minima: individuale 30 minuti, di gruppo 1 ora',
      en: 'minimum duration: individual 30 minutes, group 1 hour',
    });
  });
});
