import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEAD_LETTER_MAX_BYTES,
  cutUtf8,
  fitDeadLetter,
  pointerOnly,
  type DeadLetterParts,
} from './dead-letter.js';
import { Headers } from './headers.js';

const added = {
  [Headers.dlqReason]: 'message value is not JSON',
  [Headers.dlqKind]: 'validation',
  [Headers.originalTopic]: 'lead.engagement.v1',
  [Headers.originalPartition]: '2',
  [Headers.originalOffset]: '41',
};

function parts(
  valueBytes: number,
  original: Record<string, string> = { traceparent: '00-abc-def-01' },
): DeadLetterParts {
  return { key: 'hubspot:contact:1', value: Buffer.alloc(valueBytes, 'x'), original, added };
}

function size(m: ReturnType<typeof fitDeadLetter>['message']): number {
  const len = (v: unknown) => (v === null || v === undefined ? 0 : Buffer.byteLength(v as string | Buffer));
  return (
    len(m.key) +
    len(m.value) +
    Object.entries(m.headers ?? {}).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + len(v), 0)
  );
}

describe('fitDeadLetter', () => {
  it('keeps a dead letter that fits as it was, original headers first and the dead-letter headers winning', () => {
    const p = parts(1000, { traceparent: 't', [Headers.dlqKind]: 'stale' });
    const { message, truncated } = fitDeadLetter(p, DEFAULT_DEAD_LETTER_MAX_BYTES);
    expect(truncated).toBe(false);
    expect(message.value).toBe(p.value);
    expect(message.headers).toMatchObject({ traceparent: 't', [Headers.dlqKind]: 'validation' });
    expect(message.headers![Headers.dlqTruncated]).toBeUndefined();
  });

  it('cuts a value near the broker limit to fit the bound, saying how large it was', () => {
    const p = parts(1_048_400);
    const { message, truncated, bytes } = fitDeadLetter(p, DEFAULT_DEAD_LETTER_MAX_BYTES);
    expect(truncated).toBe(true);
    expect(bytes).toBeLessThanOrEqual(DEFAULT_DEAD_LETTER_MAX_BYTES);
    expect(size(message)).toBeLessThanOrEqual(DEFAULT_DEAD_LETTER_MAX_BYTES);
    expect((message.value as Buffer).length).toBeGreaterThan(DEFAULT_DEAD_LETTER_MAX_BYTES - 2_000);
    expect(message.headers).toMatchObject({
      ...added,
      [Headers.dlqTruncated]: '1048400',
      traceparent: '00-abc-def-01',
    });
    expect(message.key).toEqual(Buffer.from('hubspot:contact:1'));
  });

  it('drops original headers that would take more than an eighth of the bound, and cuts an absurd key', () => {
    const p: DeadLetterParts = {
      key: 'k'.repeat(50_000),
      value: Buffer.alloc(10_000, 'x'),
      original: { small: 'yes', huge: 'h'.repeat(20_000) },
      added,
    };
    const { message, truncated } = fitDeadLetter(p, 64 * 1024);
    expect(truncated).toBe(true);
    expect(message.headers).toMatchObject({ small: 'yes', ...added, [Headers.dlqTruncated]: '10000' });
    expect(message.headers!.huge).toBeUndefined();
    expect((message.key as Buffer).length).toBe(4096);
    expect(size(message)).toBeLessThanOrEqual(64 * 1024);
  });

  it('never splits a UTF-8 character', () => {
    const euro = Buffer.from('€€€€'); // 3 bytes each
    expect(cutUtf8(euro, 7).toString()).toBe('€€');
    expect(cutUtf8(euro, 6).toString()).toBe('€€');
    expect(cutUtf8(euro, 2).toString()).toBe('');
    expect(cutUtf8(euro, 100)).toBe(euro);
  });

  it('pointerOnly keeps the pointer and the size, no value', () => {
    const m = pointerOnly(parts(2_000_000));
    expect(m.value).toBeNull();
    expect(m.headers).toMatchObject({ ...added, [Headers.dlqTruncated]: '2000000' });
  });
});
