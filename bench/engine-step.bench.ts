/**
 * Engine step throughput, in-process (no database, no HTTP): restore a persisted snapshot, apply one
 * event, persist the next snapshot and derive what the service stores and shows (state paths,
 * services, deadlines), as the service does per request. Prints JSON.
 *   npm run bench:engine
 */
import { applyEvent, eventsAvailable } from '../machines/index.js';
import { NOW, aPersonCase } from '../machines/testing/case-factory.js';

function measure(label: string, run: () => void, ms = 2000) {
  for (let i = 0; i < 200; i++) run(); // warm-up
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => Number(samples[Math.floor(p * (samples.length - 1))].toFixed(4));
  return { label, ops: samples.length, opsPerSecond: Math.round(samples.length / (ms / 1000)), p50ms: q(0.5), p99ms: q(0.99) };
}

// A person in A.3, A.5 and A.6 at once: a realistic mid-pathway snapshot.
const driver = aPersonCase('matching');
const stored = JSON.stringify(driver.snapshot);
const legal = { type: 'MATCHING_SESSION_HELD', mode: 'individual', minutes: 120, at: '2026-10-02', operator: driver.operator };
const refused = { type: 'MATCHING_SESSION_HELD', mode: 'individual', minutes: 30, at: '2026-10-02', operator: driver.operator };

const results = [
  measure('apply legal event (parse + restore + transition + persist + columns and deadlines)', () => {
    const r = applyEvent({ pathway: 'person', snapshot: JSON.parse(stored) as unknown, event: legal, now: NOW });
    if (!r.ok) throw new Error('expected applied');
  }),
  measure('refuse event with reasons (explain)', () => {
    const r = applyEvent({ pathway: 'person', snapshot: JSON.parse(stored) as unknown, event: refused, now: NOW });
    if (r.ok) throw new Error('expected refused');
  }),
  measure('availableEvents (all events, guards on the case)', () => {
    eventsAvailable({ pathway: 'person', snapshot: JSON.parse(stored) as unknown });
  }),
];

console.log(JSON.stringify({ node: process.version, snapshotBytes: stored.length, results }, null, 2));
