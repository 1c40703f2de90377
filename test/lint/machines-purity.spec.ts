import { builtinModules } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// The layering rule, "machines/ decides, src/ persists and talks", is enforced by ESLint.
// This takes the purity rules the project's real config applies to each folder and checks them:
// framework, database and Node imports, the clock and randomness are refused in machines/ and
// accepted in src/.
describe('machines/ purity lint rule', () => {
  const project = new ESLint();
  const PURITY_RULES = ['no-restricted-imports', 'no-restricted-properties', 'no-restricted-syntax', 'no-restricted-globals'];

  const lint = async (filePath: string, code: string): Promise<string[]> => {
    const config = (await project.calculateConfigForFile(filePath)) as Linter.Config;
    const rules = Object.fromEntries(PURITY_RULES.map((rule) => [rule, config.rules?.[rule] ?? 'off']));
    const linter = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules }],
    });
    const [result] = await linter.lintText(code, { filePath });
    return result.messages.map((m) => m.message);
  };

  it.each([
    "import { readFileSync } from 'node:fs';",
    "import { readFile } from 'fs/promises';",
    "import { readFile } from 'node:fs/promises';",
    "import { Worker } from 'worker_threads';",
    "import { Worker } from 'node:worker_threads';",
    "import { randomUUID } from 'crypto';",
    "import { types } from 'util/types';",
    "import { setTimeout } from 'timers/promises';",
    "import { Injectable } from '@nestjs/common';",
    "import { DataSource } from 'typeorm';",
    "import { Pool } from 'pg';",
    "import { join } from 'path';",
  ])('refuses %s in machines/', async (code) => {
    expect(await lint('machines/example.ts', `${code}\nexport const x = 1;\n`)).toHaveLength(1);
  });

  it("refuses every module of Node's own list, bare and as node:name", async () => {
    const names = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))];
    const code = names.flatMap((name, i) => [`import * as a${i} from '${name}';`, `import * as b${i} from 'node:${name}';`]).join('\n');
    const messages = await lint('machines/example.ts', `${code}\nexport const x = 1;\n`);
    expect(messages).toHaveLength(names.length * 2);
    for (const message of messages) expect(message).toMatch(/machines\/ is pure: no Node built-ins/);
  });

  it.each([
    ['Date.now()', 'export const t = Date.now();'],
    ['new Date()', 'export const t = new Date();'],
    ['Date()', 'export const t = Date();'],
    ['Math.random()', 'export const r = Math.random();'],
    ['performance.now()', 'export const t = performance.now();'],
  ])('refuses the clock and randomness in machines/: %s', async (_label, code) => {
    expect(await lint('machines/example.ts', code)).toHaveLength(1);
    expect(await lint('machines/person/example.spec.ts', code)).toHaveLength(1);
  });

  it('accepts xstate and dates parsed from the event in machines/; node:fs and the clock in src/', async () => {
    expect(await lint('machines/example.ts', "import { setup } from 'xstate';\nexport const x = setup;\n")).toEqual([]);
    expect(await lint('machines/example.ts', "export const t = new Date('2026-10-01').getTime() + Date.UTC(2026, 0, 1);\n")).toEqual([]);
    expect(await lint('src/example.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toEqual([]);
    expect(await lint('src/example.ts', 'export const t = Date.now() + Math.random() + new Date().getTime();\n')).toEqual([]);
  });
});
