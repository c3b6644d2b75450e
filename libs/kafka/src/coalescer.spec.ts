import { describe, expect, it } from 'vitest';
import { BatchCoalescer } from './coalescer.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BatchCoalescer', () => {
  it('merges what is submitted in one turn of the event loop into one call', async () => {
    const calls: number[][] = [];
    const c = new BatchCoalescer<number>(
      async (items) => {
        calls.push([...items]);
      },
      { maxItems: 100, maxConcurrent: 1 },
    );
    await Promise.all([c.submit([1, 2]), c.submit([3]), c.submit([4, 5])]);
    await c.submit([6]);
    expect(calls).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('starts a new call rather than exceed maxItems, and never splits a submission', async () => {
    const calls: number[][] = [];
    const c = new BatchCoalescer<number>(
      async (items) => {
        calls.push([...items]);
      },
      { maxItems: 3, maxConcurrent: 4 },
    );
    await Promise.all([c.submit([1, 2]), c.submit([3, 4]), c.submit([5]), c.submit([6, 7, 8, 9])]);
    expect(calls).toEqual([
      [1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
  });

  it('keeps at most maxConcurrent calls running, and the waiting group keeps filling', async () => {
    let running = 0;
    let most = 0;
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const c = new BatchCoalescer<number>(
      async (items) => {
        running++;
        most = Math.max(most, running);
        calls.push([...items]);
        if (items[0] === 1) await gate;
        running--;
      },
      { maxItems: 10, maxConcurrent: 1 },
    );
    const first = c.submit([1]);
    await turn();
    await turn();
    // The first call holds the only slot; these three wait in one open group.
    const later = [c.submit([2]), c.submit([3])];
    await turn();
    later.push(c.submit([4]));
    await turn();
    expect(calls).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
    expect(most).toBe(1);
  });

  it('rejects every submitter of a failed call with its error, and the next call is unaffected', async () => {
    const c = new BatchCoalescer<string>(
      async (items) => {
        if (items.includes('poison')) throw new Error('cannot apply poison');
      },
      { maxItems: 10, maxConcurrent: 1 },
    );
    const outcomes = await Promise.allSettled([c.submit(['a']), c.submit(['poison']), c.submit(['b'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('cannot apply poison'));
    await expect(c.submit(['a', 'b'])).resolves.toBeUndefined();
  });

  it('refuses settings that could never run a call', () => {
    expect(
      () => new BatchCoalescer<number>(async () => undefined, { maxItems: 0, maxConcurrent: 1 }),
    ).toThrow(/maxItems/);
  });
});
