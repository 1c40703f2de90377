/** The benchmarks' settings from the environment: DATABASE_URL, and BENCH_* integers. */

/** DATABASE_URL, or exit 2 saying how to run `npm run <script>`. */
export function requireDatabaseUrl(script: string): string {
  const url = process.env.DATABASE_URL?.trim();
  if (url) return url;
  console.error(
    `npm run ${script} needs a PostgreSQL server: set DATABASE_URL, e.g.\n` +
      `  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run ${script}\n` +
      'It works in a schema of its own (bench_<random>), dropped at the end.',
  );
  process.exit(2);
}

/** A BENCH_* integer setting (exit 2 when it is not one). */
export function integer(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`${name} must be an integer >= ${min}, got '${raw}'`);
    process.exit(2);
  }
  return n;
}
