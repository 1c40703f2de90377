import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { describePathway } from '../../machines/definition.js';
import { renderPathwaysDoc } from '../../machines/docs/pathways-doc.js';
import { PATHWAY_NAMES, PATHWAYS } from '../../machines/pathways.js';

const DOC = fileURLToPath(new URL('../../docs/pathways.md', import.meta.url));

/** Null when the texts agree, else where they first differ and what to do about it. */
function staleness(committed: string | null, rendered: string): string | null {
  if (committed === null) return 'docs/pathways.md is missing: run `npm run docs:pathways`.';
  if (committed === rendered) return null;
  const a = committed.split('\n');
  const b = rendered.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return [
    'docs/pathways.md is stale (the machines changed since it was generated): run `npm run docs:pathways`.',
    `First difference at line ${at + 1}:`,
    `  committed: ${a[at] ?? '(end of file)'}`,
    `  rendered:  ${b[at] ?? '(end of file)'}`,
  ].join('\n');
}

describe('docs/pathways.md', () => {
  it('is up to date with the machines', () => {
    const committed = existsSync(DOC) ? readFileSync(DOC, 'utf8') : null;
    expect(staleness(committed, renderPathwaysDoc())).toBeNull();
  });

  it('mentions every event type and every guard code of every pathway', () => {
    const doc = renderPathwaysDoc();
    const missing = Object.values(PATHWAYS).flatMap((pathway) => [
      ...Object.keys(pathway.events).filter((type) => !doc.includes(`\`${type}\``)).map((type) => `${pathway.name} event ${type}`),
      ...Object.values(pathway.guards)
        .map((guard) => guard.code)
        .filter((code) => !doc.includes(`\`${code}\``))
        .map((code) => `${pathway.name} guard code ${code}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('shows each pathway version and fingerprint', () => {
    const doc = renderPathwaysDoc();
    for (const name of PATHWAY_NAMES) {
      const { version, fingerprint } = describePathway(name);
      expect(doc).toContain(`Machine version: \`${version}\``);
      expect(doc).toContain(`Fingerprint: \`${fingerprint}\``);
    }
  });
});
