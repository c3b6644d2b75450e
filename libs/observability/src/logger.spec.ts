import { afterEach, describe, expect, it } from 'vitest';
import { JsonLogger } from './logger.js';

const lines: Record<string, unknown>[] = [];
JsonLogger.configure({ sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
afterEach(() => {
  lines.length = 0;
});

describe('JsonLogger as Nest calls it', () => {
  it('describes an error object given as the message, without its SQL or parameters', () => {
    const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      name: 'QueryFailedError',
      query: 'SELECT * FROM lead WHERE id = $1',
      parameters: ['secret\u0000'],
      code: '22021',
    });
    new JsonLogger('t').error(err, err.stack, 'ExceptionsHandler');
    const line = lines[0];
    expect(line.msg).toBe('invalid byte sequence for encoding "UTF8": 0x00');
    expect(line.error).toEqual({ name: 'QueryFailedError', message: err.message, code: '22021' });
    expect(line.context).toBe('ExceptionsHandler');
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(JSON.stringify(line)).not.toContain('SELECT');
  });

  it('gives a bare socket error a message and its code', () => {
    new JsonLogger('t').error({ code: 'ECONNRESET' });
    expect(lines[0]).toMatchObject({ msg: 'ECONNRESET', code: 'ECONNRESET' });
  });

  it('keeps Baton-style calls as they are', () => {
    new JsonLogger('t').warn('slow', { ms: 5 });
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'slow', ms: 5 });
  });
});
