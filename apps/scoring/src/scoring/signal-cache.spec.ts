import { describe, expect, it } from 'vitest';
import { SignalCache } from './signal-cache.js';
import type { Signal } from './score.js';

const signal = (id: string): Signal => ({
  sourceEventId: id,
  kind: 'page_viewed',
  occurredAt: '2026-11-20T10:00:00.000Z',
  detail: {},
});

describe('SignalCache', () => {
  it('answers only for the token the lead row holds', () => {
    const cache = new SignalCache(10);
    cache.set('lead:1', 'token-a', [signal('s1')]);
    expect(cache.get('lead:1', 'token-a')).toEqual([signal('s1')]);
    expect(cache.get('lead:1', 'token-b')).toBeUndefined();
    expect(cache.get('lead:1', undefined)).toBeUndefined();
    expect(cache.get('lead:2', 'token-a')).toBeUndefined();
  });

  it('drops the least recently used lead beyond its size', () => {
    const cache = new SignalCache(2);
    cache.set('lead:1', 't1', [signal('a')]);
    cache.set('lead:2', 't2', [signal('b')]);
    expect(cache.get('lead:1', 't1')).toBeDefined(); // lead:1 is now the most recent
    cache.set('lead:3', 't3', [signal('c')]);
    expect(cache.size).toBe(2);
    expect(cache.get('lead:2', 't2')).toBeUndefined();
    expect(cache.get('lead:1', 't1')).toBeDefined();
    expect(cache.get('lead:3', 't3')).toBeDefined();
  });

  it('holds nothing when its size is 0', () => {
    const cache = new SignalCache(0);
    cache.set('lead:1', 't1', [signal('a')]);
    expect(cache.size).toBe(0);
    expect(cache.get('lead:1', 't1')).toBeUndefined();
  });
});
