import { describe, expect, it } from 'vitest';
import { ConsumerHealthTracker } from './consumer-health.js';

function tracker() {
  let now = Date.UTC(2026, 11, 1, 9, 0, 0);
  const t = new ConsumerHealthTracker({ crashes: 3, windowMs: 60_000 }, () => now);
  return { t, advance: (ms: number) => (now += ms) };
}

describe('ConsumerHealthTracker', () => {
  it('goes starting → running on the group join, and is fine then', () => {
    const { t } = tracker();
    expect(t.health().state).toBe('stopped');
    t.starting();
    expect(t.problem()).toMatch(/^starting/);
    t.joined();
    expect(t.health()).toMatchObject({
      state: 'running',
      crashes: 0,
      crashLooping: false,
      restarting: false,
    });
    expect(t.problem()).toBeUndefined();
  });

  it('reports a crash, whether kafkajs restarts it, and recovery on the next join', () => {
    const { t, advance } = tracker();
    t.starting();
    t.joined();
    t.stopped(); // kafkajs stops the consumer before it reports the crash
    t.crashed(new Error('This server does not host this topic-partition'), true);
    expect(t.health()).toMatchObject({
      state: 'crashed',
      crashes: 1,
      restarting: true,
      lastError: 'Error: This server does not host this topic-partition',
    });
    expect(t.health().lastCrashAt).toBeInstanceOf(Date);
    expect(t.problem()).toMatch(/^crashed \(restarting\): .*topic-partition/);
    advance(1_000);
    t.joined();
    expect(t.health()).toMatchObject({
      state: 'running',
      crashes: 1,
      restarting: false,
      crashLooping: false,
    });
    expect(t.problem()).toBeUndefined();
  });

  it('calls three crashes within a minute a crash loop, even while it is in its group between them, until the minute passed', () => {
    const { t, advance } = tracker();
    t.starting();
    for (let i = 0; i < 3; i++) {
      t.joined();
      advance(10_000);
      t.crashed(new Error(`crash ${i}`), true);
    }
    t.joined();
    expect(t.health()).toMatchObject({ state: 'running', crashes: 3, recentCrashes: 3, crashLooping: true });
    expect(t.problem()).toMatch(/^crash-looping: 3 crashes in 60 s, last: Error: crash 2/);
    advance(41_000); // the first crash is now more than a minute old
    expect(t.health()).toMatchObject({ recentCrashes: 2, crashLooping: false });
    expect(t.problem()).toBeUndefined();
  });

  it('a crash kafkajs does not restart stays down', () => {
    const { t } = tracker();
    t.starting();
    t.joined();
    t.crashed(new Error('larger than the max message size'), false);
    expect(t.problem()).toMatch(/^crashed \(not restarting\)/);
  });
});
