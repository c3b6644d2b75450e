import { describe, expect, it } from 'vitest';
import { alreadyAway } from './rep-pause.worker.js';

describe('pausing a rep', () => {
  const midnight = new Date('2026-11-25T05:00:00.000Z');

  it('asks routing when the rep is not away, or back before their midnight', () => {
    expect(alreadyAway({ now: { away: false } }, midnight)).toBe(false);
    expect(alreadyAway({ now: { away: true }, awayUntil: '2026-11-24T20:00:00.000Z' }, midnight)).toBe(false);
  });

  it('never shortens an absence sales ops entered: away as long or longer, or until further notice', () => {
    expect(alreadyAway({ now: { away: true }, awayUntil: '2026-11-30T14:00:00.000Z' }, midnight)).toBe(true);
    expect(alreadyAway({ now: { away: true }, awayUntil: midnight.toISOString() }, midnight)).toBe(true);
    expect(
      alreadyAway({ now: { away: true }, awayFrom: '2026-11-20T00:00:00.000Z', awayUntil: null }, midnight),
    ).toBe(true);
  });
});
