import { describe, expect, it } from '@jest/globals';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/service-process.js';

const config = ((await import(path.join(ROOT, 'dependency-cruiser.config.js'))) as { default: IConfiguration }).default;

/** The rules of `npm run lint`'s depcruise, run on a tree: `rule: from -> to` for each violation. */
async function violations(root: string): Promise<string[]> {
  const result = await cruise(
    ['src', 'machines'],
    { ...config.options, baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden } },
    undefined,
    { tsConfig: extractTSConfig(path.join(root, 'tsconfig.json')) },
  );
  if (typeof result.output === 'string') throw new Error('expected a cruise result');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

/** A copy of the service's code with one file added: the rules must refuse it. */
async function withFile(file: string, text: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'percorsi-depcruise-'));
  try {
    for (const entry of ['src', 'machines', 'tsconfig.json']) await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    await writeFile(path.join(dir, file), text);
    return await violations(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('dependency rules (dependency-cruiser.config.js)', () => {
  it('hold on the tree as it is', async () => {
    expect(await violations(ROOT)).toEqual([]);
  });

  // Regression: config/ imported webhooks/ (and webhooks/ imports config/) before the modules were split.
  it('refuse a cycle between two folders of src/', async () => {
    const found = await withFile('src/config/back-edge.ts', "export { AddressGuard } from '../webhooks/address-policy.js';\n");
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^no-cycle-between-folders: src\/config -> src\/webhooks$/)]));
  });

  it('refuse an import of src/ from machines/', async () => {
    const found = await withFile('machines/back-edge.ts', "export { loadConfig } from '../src/config/app-config.js';\n");
    expect(found).toContain('machines-apart-from-src: machines/back-edge.ts -> src/config/app-config.ts');
  });
});
