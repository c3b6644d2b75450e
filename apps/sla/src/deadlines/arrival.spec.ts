import { describe, expect, it } from 'vitest';
import { arrivalOf } from './arrival.js';

describe('arrivalOf', () => {
  const policy = { lateAfterMinutes: 15 };
  const occurredAt = new Date('2026-11-23T15:00:00.000Z');

  it('is in time up to the bound, to the millisecond', () => {
    expect(arrivalOf(occurredAt, new Date('2026-11-23T15:15:00.000Z'), policy)).toEqual({
      ageMs: 900_000,
      late: false,
    });
  });

  it('is late past the bound', () => {
    expect(arrivalOf(occurredAt, new Date('2026-11-23T15:15:00.001Z'), policy).late).toBe(true);
  });

  it('takes an event stamped ahead of the clock (clock skew) as just happened', () => {
    expect(arrivalOf(occurredAt, new Date('2026-11-23T14:59:00.000Z'), policy)).toEqual({
      ageMs: 0,
      late: false,
    });
  });
});
