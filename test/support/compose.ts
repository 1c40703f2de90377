import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './service-process.js';

/** What `docker compose` would fail with: a `${VAR:?message}` whose variable is unset or empty. */
export class ComposeInterpolationError extends Error {}

/**
 * Docker Compose's interpolation of one value, for the forms of the Compose specification
 * ("Interpolation"): `$$` (a literal `$`), `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?message}` (error when unset or empty), `${VAR?message}` (error
 * when unset), `${VAR:+replacement}` and `${VAR+replacement}`. A default or message may hold further
 * substitutions. The error says what compose says: "required variable VAR is missing a value: message".
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c !== '$') {
      out += c;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      // The matching brace, counting nested ones.
      let depth = 1;
      let j = i + 2;
      for (; j < value.length && depth > 0; j++) {
        if (value[j] === '{') depth += 1;
        else if (value[j] === '}') depth -= 1;
      }
      if (depth !== 0) throw new ComposeInterpolationError(`invalid interpolation format for ${value}`);
      out += substitute(value.slice(i + 2, j - 1), env);
      i = j;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
      if (!name) throw new ComposeInterpolationError(`invalid interpolation format for ${value}`);
      out += env[name] ?? '';
      i += 1 + name.length;
    }
  }
  return out;
}

function substitute(expression: string, env: Record<string, string | undefined>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!match) throw new ComposeInterpolationError(`invalid interpolation format for \${${expression}}`);
  const [, name, operator, rest = ''] = match;
  const current = env[name];
  const missing = operator?.startsWith(':') ? current === undefined || current === '' : current === undefined;
  switch (operator?.replace(':', '')) {
    case undefined:
      return current ?? '';
    case '-':
      return missing ? interpolate(rest, env) : current!;
    case '+':
      return missing ? '' : interpolate(rest, env);
    default:
      if (missing) throw new ComposeInterpolationError(`required variable ${name} is missing a value: ${interpolate(rest, env)}`);
      return current!;
  }
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number)[];
  healthcheck?: { test?: string[] | string };
  command?: string[] | string;
  profiles?: string[];
}

/** The repository's docker-compose.yml, parsed (not interpolated). */
export function readComposeFile(): { services: Record<string, ComposeService> } {
  return parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
}

/** A service's `environment`, interpolated with the shell's variables as compose would. */
export function composeEnvironment(service: ComposeService, shell: Record<string, string | undefined>): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((entry) => {
        const at = entry.indexOf('=');
        return at === -1 ? [entry, shell[entry] ?? ''] : [entry.slice(0, at), entry.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([name, value]) => [name, value === null ? (shell[name] ?? '') : String(value)]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value, shell)]));
}

/** The Dockerfile's stages: each `FROM` image, and the `ENV` variables set in that stage. */
export function readDockerfile(): { from: string; env: Record<string, string>; copies: string[][] }[] {
  // Continuation lines joined; comments dropped.
  const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { from: string; env: Record<string, string>; copies: string[][] }[] = [];
  for (const line of lines) {
    const [instruction, ...args] = line.split(/\s+/);
    if (/^FROM$/i.test(instruction)) stages.push({ from: args[0], env: {}, copies: [] });
    else if (/^COPY$/i.test(instruction)) stages.at(-1)!.copies.push(args);
    else if (/^ENV$/i.test(instruction)) {
      // The `ENV KEY=value KEY2="value 2"` form (the only one the Dockerfile uses).
      for (const pair of line.slice(instruction.length).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
        stages.at(-1)!.env[pair[1]] = pair[2].startsWith('"') ? (JSON.parse(pair[2]) as string) : pair[2];
      }
    }
  }
  return stages;
}
