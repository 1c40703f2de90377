// Jest global setup (plain ESM: runs before ts-jest transforms anything).
// On the embedded default, initialising a PGlite data folder takes seconds: do it once here, and
// let every test app start from a copy of it. With DATABASE_URL, each test app uses its own schema.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export default async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const dir = await mkdtemp(path.join(tmpdir(), 'percorsi-template-'));
  const db = await PGlite.create(dir);
  await db.close();
  process.env.PERCORSI_TEST_TEMPLATE = dir;
}
