import { describe, expect, it } from '@jest/globals';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// The layering rule, "machines/ decides, src/ persists and talks", is enforced by ESLint.
// This takes the import rules the project's real config applies to each folder and checks them:
// framework, database and Node imports are refused in machines/ and accepted in src/.
describe('machines/ purity lint rule', () => {
  const project = new ESLint();

  const lint = async (filePath: string, code: string): Promise<string[]> => {
    const config = (await project.calculateConfigForFile(filePath)) as Linter.Config;
    const rules = { 'no-restricted-imports': config.rules?.['no-restricted-imports'] ?? 'off' };
    const linter = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules }],
    });
    const [result] = await linter.lintText(code, { filePath });
    return result.messages.map((m) => m.message);
  };

  it.each([
    "import { readFileSync } from 'node:fs';",
    "import { Injectable } from '@nestjs/common';",
    "import { DataSource } from 'typeorm';",
    "import { Pool } from 'pg';",
    "import { join } from 'path';",
  ])('refuses %s in machines/', async (code) => {
    expect(await lint('machines/example.ts', `${code}\nexport const x = 1;\n`)).toHaveLength(1);
  });

  it('accepts xstate in machines/ and node:fs in src/', async () => {
    expect(await lint('machines/example.ts', "import { setup } from 'xstate';\nexport const x = setup;\n")).toEqual([]);
    expect(await lint('src/example.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toEqual([]);
  });
});
