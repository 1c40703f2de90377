import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

// machines/ decides, src/ persists and talks: nothing in machines/ imports Nest, TypeORM, pg or node:*.
// The built-ins come from the running Node's own list (subpaths like 'fs/promises' are in it too),
// each banned bare and as node:name.
const BUILTIN_MESSAGE = 'machines/ is pure: no Node built-ins (no I/O).';
const builtins = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))];
const IMPURE = {
  patterns: [
    {
      group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'pg', 'pg-*', '@electric-sql/*'],
      message: 'machines/ is pure: no framework or database imports.',
    },
    { group: ['../src/*', '../../src/*'], message: 'machines/ must not depend on src/.' },
  ],
  paths: builtins.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: BUILTIN_MESSAGE })),
};

// A machine's step is a function of the snapshot, the event and the clock the service passes in
// (`receivedAt`): reading the clock or drawing random numbers would make replays differ.
const IMPURE_PROPERTIES = [
  { object: 'Date', property: 'now', message: "machines/ is pure: read the event's receivedAt, not the clock." },
  { object: 'Math', property: 'random', message: 'machines/ is pure: no randomness (a replay must give the same result).' },
  { object: 'crypto', property: 'randomUUID', message: 'machines/ is pure: no randomness (a replay must give the same result).' },
  { object: 'performance', property: 'now', message: "machines/ is pure: read the event's receivedAt, not the clock." },
];
const IMPURE_SYNTAX = [
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'machines/ is pure: new Date() reads the clock; parse a date from the event (new Date(iso)).',
  },
  {
    selector: "CallExpression[callee.name='Date']",
    message: 'machines/ is pure: Date() reads the clock.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'docs/', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The pages' scripts (the inspector's, the sign-in page's, the console's and src/web/shared) run in the browser (type-checked by tsconfig.web.json).
    files: ['src/inspector/web/**/*.js', 'src/identity/web/**/*.js', 'src/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // End-to-end tests read untyped JSON response bodies.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', IMPURE],
      'no-restricted-properties': ['error', ...IMPURE_PROPERTIES],
      'no-restricted-syntax': ['error', ...IMPURE_SYNTAX],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'machines/ is pure: no process.' },
        { name: 'fetch', message: 'machines/ is pure: no I/O.' },
      ],
    },
  },
);
