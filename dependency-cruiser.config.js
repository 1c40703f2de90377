/**
 * Dependency rules, checked by `npm run lint` (depcruise): capabilities depend on each other one
 * way only, and machines/ stays apart from the service. See docs/architecture.md.
 * @type {import('dependency-cruiser').IConfiguration}
 */
export default {
  forbidden: [
    {
      name: 'no-cycle-between-folders',
      severity: 'error',
      comment:
        'Two folders of src/ (capabilities, common, config, database) must not import each other, even through a third: move the shared piece to the lower one.',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'machines-apart-from-src',
      severity: 'error',
      comment: 'machines/ decides, src/ persists and talks: machines/ never imports the service.',
      from: { path: '^machines/' },
      to: { path: '^src/' },
    },
    {
      name: 'code-apart-from-tests',
      severity: 'error',
      comment: 'The service does not import tests or benchmarks.',
      from: { path: '^(src|machines)/', pathNot: '^machines/testing/|\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/(inspector|identity)/web/' },
  },
};
