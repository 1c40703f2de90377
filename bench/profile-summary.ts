/**
 * Summarises a V8 CPU profile (.cpuprofile, from `node --cpu-prof`): self time by function and by
 * package, and inclusive time (on the stack) by package and for the service's own functions.
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [from-function]
 * The service's profile comes from `BENCH_CPU_PROF_DIR=<dir> npm run bench` (child mode). With
 * from-function (e.g. tryEvent), samples before the first one with that function on the stack (the
 * start-up: module loading, migrations) are left out.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, fromFunction] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame's code lives: an npm package, the engine, the service, Node itself, or V8. */
function category(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native: JSON, RegExp, builtins)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/machines/')) return 'machines/ (engine)';
  if (url.includes('/src/')) return 'src/ (service)';
  if (url.includes('/bench/')) return 'bench/';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url;
}

/** A coarser grouping of the packages: what a request's time is spent on. */
function layer(cat: string): string {
  if (['(idle)', '(program)', '(garbage collector)', '(root)'].includes(cat)) return cat;
  if (cat === 'xstate' || cat.startsWith('machines/')) return 'engine: xstate + machines/';
  if (cat.startsWith('src/')) return 'service code: src/';
  if (['pg', 'pg-protocol', 'pg-pool', 'pg-types', 'postgres-array', 'postgres-date', 'typeorm'].includes(cat))
    return 'database client: pg + typeorm';
  if (
    cat.startsWith('@nestjs/') ||
    cat.startsWith('pino') ||
    cat.startsWith('nestjs-pino') ||
    [
      'express',
      'router',
      'body-parser',
      'raw-body',
      'send',
      'finalhandler',
      'on-finished',
      'type-is',
      'content-type',
      'iconv-lite',
      'qs',
      'rxjs',
      'path-to-regexp',
    ].includes(cat)
  )
    return 'HTTP framework: nest + express + pino-http';
  if (cat.startsWith('node:')) return 'Node core: http, net, streams, events, timers';
  return cat.startsWith('(native') ? cat : `other: ${cat}`;
}

const where = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(machines|src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
};

const total = () => profile.timeDeltas.reduce((a, b) => a + b, 0) - skipped;
const selfByFunction = new Map<string, number>();
const selfByCategory = new Map<string, number>();
const selfByLayer = new Map<string, number>();
const inclusiveByCategory = new Map<string, number>();
const inclusiveByOwnFunction = new Map<string, number>();
const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

const stackHas = (id: number, name: string): boolean => {
  for (let n: ProfileNode | undefined = byId.get(id); n; n = byId.get(parent.get(n.id) ?? -1))
    if (n.callFrame.functionName === name) return true;
  return false;
};
const first = fromFunction ? profile.samples.findIndex((id) => stackHas(id, fromFunction)) : 0;
if (first < 0) {
  console.error(`no sample has ${fromFunction} on the stack`);
  process.exit(1);
}
const skipped = profile.timeDeltas.slice(0, first).reduce((a, b) => a + b, 0);

profile.samples.forEach((id, i) => {
  if (i < first) return;
  const delta = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  add(selfByFunction, where(node), delta);
  add(selfByCategory, category(node), delta);
  add(selfByLayer, node.callFrame.functionName === 'writev' ? 'socket writes (writev)' : layer(category(node)), delta);
  const categories = new Set<string>();
  const own = new Set<string>();
  for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
    categories.add(category(n));
    const c = category(n);
    if (c === 'src/ (service)' || c === 'machines/ (engine)') own.add(where(n));
  }
  categories.forEach((c) => add(inclusiveByCategory, c, delta));
  own.forEach((f) => add(inclusiveByOwnFunction, f, delta));
});

const table = (title: string, map: Map<string, number>, limit = top) => {
  console.log(`\n${title}`);
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .forEach(([key, us]) =>
      console.log(`${((100 * us) / total()).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`),
    );
};

console.log(
  `${file}: ${(total() / 1e6).toFixed(1)} s sampled${first > 0 ? ` (the first ${(skipped / 1e6).toFixed(1)} s, before ${fromFunction}, left out)` : ''}`,
);
table('self time by layer', selfByLayer);
table('self time by package', selfByCategory);
table('inclusive time by package (on the stack)', inclusiveByCategory);
table('self time by function', selfByFunction);
table('inclusive time of the service and engine functions', inclusiveByOwnFunction);
