import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

// machines/ decides, src/ persists and talks: nothing in machines/ imports Nest, TypeORM, pg or node:*.
const IMPURE = {
  patterns: [
    {
      group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'pg', 'pg-*', '@electric-sql/*'],
      message: 'machines/ is pure: no framework or database imports.',
    },
    { group: ['node:*'], message: 'machines/ is pure: no Node built-ins (no I/O).' },
    { group: ['../src/*', '../../src/*'], message: 'machines/ must not depend on src/.' },
  ],
  paths: [
    'fs',
    'fs/promises',
    'path',
    'http',
    'https',
    'net',
    'os',
    'child_process',
    'crypto',
    'url',
    'stream',
    'events',
    'worker_threads',
    'process',
  ].map((name) => ({ name, message: 'machines/ is pure: no Node built-ins (no I/O).' })),
};

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
    // The inspector's page runs in the browser (type-checked by tsconfig.web.json).
    files: ['src/inspector/web/**/*.js'],
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
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'machines/ is pure: no process.' },
        { name: 'fetch', message: 'machines/ is pure: no I/O.' },
      ],
    },
  },
);
