import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);
const TEXT = /\.(md|ts|js|json|ya?ml|html|css)$/;
/** A line git writes into a file whose merge stopped on a conflict. */
const MARKER = /^(<{7}|>{7})( |$)/m;

function* textFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* textFiles(full);
    else if (TEXT.test(entry.name)) yield full;
  }
}

describe('the repository', () => {
  it('holds no unresolved merge conflict (docs included)', () => {
    const conflicted = [...textFiles(ROOT)].filter((file) => MARKER.test(readFileSync(file, 'utf8'))).map((f) => path.relative(ROOT, f));
    expect(conflicted).toEqual([]);
  });

  it('recognises a conflict marker', () => {
    expect(MARKER.test('text\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n')).toBe(true);
    expect(MARKER.test('a quoted <<<<<<< inside a line')).toBe(false);
  });
});
