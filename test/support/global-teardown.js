import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  if (process.env.PERCORSI_TEST_TEMPLATE) await rm(process.env.PERCORSI_TEST_TEMPLATE, { recursive: true, force: true });
}
