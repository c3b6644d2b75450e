import { describe, expect, it } from 'vitest';
import { pickWeighted, pruneRotation, type RotationState } from './weighted-rotation.js';

const ABC = [
  { repId: 'a', weight: 50 },
  { repId: 'b', weight: 25 },
  { repId: 'c', weight: 25 },
];

function run(n: number, eligible = ABC, start: RotationState = {}) {
  let state = start;
  const picks: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = pickWeighted(state, eligible);
    picks.push(p.repId);
    state = p.after;
  }
  return { picks, state };
}

describe('smooth weighted rotation', () => {
  it('interleaves 50/25/25 as a b c a, and repeats it exactly', () => {
    expect(run(8).picks).toEqual(['a', 'b', 'c', 'a', 'a', 'b', 'c', 'a']);
  });

  it('records the credits before and after, and only the chosen rep pays the eligible total', () => {
    const p = pickWeighted({ a: 10, b: -20, c: 10 }, ABC);
    expect(p.before).toEqual({ a: 10, b: -20, c: 10 });
    expect(p.after).toEqual({ a: -40, b: 5, c: 35 });
    expect(p.repId).toBe('a');
  });

  it('keeps the credits of the eligible reps summing to the same total, so none drifts away', () => {
    let state: RotationState = {};
    for (let i = 0; i < 1000; i++) {
      state = pickWeighted(state, ABC).after;
      expect(state.a + state.b + state.c).toBe(0);
      for (const v of Object.values(state)) expect(Math.abs(v)).toBeLessThanOrEqual(100);
    }
  });

  it("freezes a skipped rep's credit: no backlog builds while they are away", () => {
    const { state } = run(3);
    const cBefore = state.c;
    const away = run(
      100,
      ABC.filter((x) => x.repId !== 'c'),
      state,
    );
    expect(away.state.c).toBe(cBefore);
    expect(away.picks.filter((x) => x === 'a')).toHaveLength(67);
    // Back: c takes its normal quarter from the first round on, not a catch-up run.
    const back = run(8, ABC, away.state);
    expect(back.picks.filter((x) => x === 'c')).toHaveLength(2);
  });

  it('breaks ties by rep id so every replica picks the same rep', () => {
    expect(
      pickWeighted({}, [
        { repId: 'z', weight: 1 },
        { repId: 'm', weight: 1 },
      ]).repId,
    ).toBe('m');
  });

  it('refuses an empty pool and forgets reps who left the pool', () => {
    expect(() => pickWeighted({}, [])).toThrow();
    expect(pruneRotation({ a: 1, gone: 5 }, ['a', 'b'])).toEqual({ a: 1 });
  });
});
