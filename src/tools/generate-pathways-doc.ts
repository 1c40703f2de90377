/**
 * Writes docs/pathways.md from the machines (`npm run docs:pathways`).
 * With `--check` (`npm run docs:check`) it writes nothing and exits 1 when the file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPathwaysDoc } from '../../machines/docs/pathways-doc.js';

const target = fileURLToPath(new URL('../../docs/pathways.md', import.meta.url));
const shown = 'docs/pathways.md';
const rendered = renderPathwaysDoc();

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
  if (current === rendered) {
    console.log(`${shown} is up to date.`);
  } else {
    console.error(
      current === null
        ? `${shown} is missing: run \`npm run docs:pathways\` to generate it.`
        : `${shown} is stale (the machines changed since it was generated): run \`npm run docs:pathways\` and commit the result.`,
    );
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, rendered, 'utf8');
  console.log(`Wrote ${shown}.`);
}
