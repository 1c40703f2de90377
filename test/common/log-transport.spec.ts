import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { logTransport } from '../../src/common/log-transport.js';

describe('logTransport', () => {
  it('pretty lines on a terminal, with a pino-pretty that the service can load', () => {
    const transport = logTransport({ isTTY: true });
    expect(transport?.target).toBe('pino-pretty');
    expect(() => createRequire(import.meta.url).resolve(transport!.target)).not.toThrow();
  });

  it('JSON lines (pino without a transport) when stdout is a file or a pipe', () => {
    expect(logTransport({ isTTY: false })).toBeUndefined();
    expect(logTransport({})).toBeUndefined();
  });
});
