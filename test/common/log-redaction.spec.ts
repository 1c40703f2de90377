import { describe, expect, it } from '@jest/globals';
import { describeError, redactUrl, serializeError } from '../../src/common/log-redaction.js';

describe('redactUrl', () => {
  it('keeps the path, and the values of harmless parameters only', () => {
    expect(redactUrl('/cases/0a000000-0000-4000-8000-00000000000a/history')).toBe('/cases/0a000000-0000-4000-8000-00000000000a/history');
    expect(redactUrl('/cases?pathway=person&subject=RSSMRA80A01H501U&limit=5')).toBe('/cases?pathway=person&subject=[redacted]&limit=5');
    expect(redactUrl('/cases?office=Bologna%20centro&state=open.guidance')).toBe('/cases?office=[redacted]&state=[redacted]');
  });

  it('drops the name of a parameter it does not know (the name may be the data), and of a malformed one', () => {
    expect(redactUrl('/cases?RSSMRA80A01H501U&limit=2')).toBe('/cases?[redacted]&limit=2');
    expect(redactUrl('/cases?%ff=1&su%62ject=X')).toBe('/cases?[redacted]&su%62ject=[redacted]');
    expect(redactUrl('/cases?&&limit=1&')).toBe('/cases?limit=1');
  });
});

describe('describeError', () => {
  // The shape of TypeORM's QueryFailedError over pg's DatabaseError.
  const queryFailed = () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "UQ_x"'), {
      code: '23505',
      constraint: 'UQ_x',
      table: 'cases',
      detail: 'Key (subject)=(RSSMRA80A01H501U) already exists.',
    });
    return Object.assign(new Error(driverError.message), {
      name: 'QueryFailedError',
      query: 'INSERT INTO cases (subject) VALUES ($1)',
      parameters: ['RSSMRA80A01H501U'],
      driverError,
    });
  };

  it('names a database error by SQLSTATE, constraint and table: never its message, detail, SQL or parameters', () => {
    const text = describeError(queryFailed(), { stack: true });
    expect(text).toMatch(/^QueryFailedError: SQLSTATE 23505, constraint UQ_x, table cases \(message and values not logged\)\n\s+at /);
    expect(text).not.toMatch(/RSSMRA|INSERT|duplicate/);
    expect(JSON.stringify(serializeError(queryFailed()))).not.toMatch(/RSSMRA|INSERT/);
  });

  it('redacts the quoted fragments of other errors, and follows causes', () => {
    const error = new Error('wrapper', { cause: new SyntaxError('Unexpected token, "{\\"subject\\":\\"RSS" is not valid JSON') });
    expect(describeError(error)).toBe('Error: wrapper\ncaused by: SyntaxError: Unexpected token, "[redacted]" is not valid JSON');
    expect(describeError('a "secret" string')).toBe('a "[redacted]" string');
    expect(describeError({ subject: 'RSSMRA80A01H501U' })).toBe('[thrown object]');
  });
});
