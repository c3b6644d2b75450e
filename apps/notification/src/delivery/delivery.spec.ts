import { describe, expect, it } from 'vitest';
import { backoffMs } from './failures.js';
import { channelsFor } from './channels.js';
import { deliveryId } from './delivery-key.js';
import { Pacer } from './pacer.js';

const all = { slack: true, teams: true, email: true };
const ana = { name: 'Ana Silva', email: 'ana@example.com', slackUserId: 'U0ANA' };

describe('channel choice', () => {
  it("follows the rep's preference, with e-mail as the last fallback", () => {
    expect(channelsFor({ ...ana, channels: ['teams', 'slack'] }, ['slack'], all)).toEqual([
      'teams',
      'slack',
      'email',
    ]);
    expect(channelsFor({ ...ana, channels: ['email'] }, ['slack'], all)).toEqual(['email']);
  });

  it('takes the default order when the roster names none', () => {
    expect(channelsFor(ana, ['slack', 'teams', 'email'], all)).toEqual(['slack', 'teams', 'email']);
  });

  it('skips channels that are not configured here or that the person has no address for', () => {
    expect(
      channelsFor({ ...ana, channels: ['slack', 'teams'] }, [], { slack: false, teams: true, email: true }),
    ).toEqual(['teams', 'email']);
    expect(channelsFor({ name: 'No One', email: '' }, ['slack', 'teams', 'email'], all)).toEqual([]);
    // Slack by e-mail lookup when only the address is known.
    expect(
      channelsFor({ name: 'Ben', email: 'ben@example.com' }, ['slack'], { ...all, teams: false }),
    ).toEqual(['slack', 'email']);
  });
});

describe('delivery keys, backoff, pacing', () => {
  it('is one id per cause, recipient, channel and purpose', () => {
    const id = deliveryId('event-1', 'ana', 'slack', 'assignment_alert');
    expect(id).toBe(deliveryId('event-1', 'ana', 'slack', 'assignment_alert'));
    expect(
      new Set([
        id,
        deliveryId('event-1', 'ana', 'email', 'assignment_alert'),
        deliveryId('event-1', 'ana', 'slack', 'sla_reminder'),
        deliveryId('event-2', 'ana', 'slack', 'assignment_alert'),
      ]).size,
    ).toBe(4);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, 1000, () => 0)).toBe(500);
    expect(backoffMs(3, 1000, () => 1)).toBe(4000);
    expect(backoffMs(30, 1000, () => 1)).toBe(300_000);
  });

  it('spaces messages to one channel, not across channels, and holds after a Retry-After', () => {
    const p = new Pacer(1000);
    expect(p.reserve('U1', 0)).toBe(0);
    expect(p.reserve('U1', 100)).toBe(900);
    expect(p.reserve('U2', 100)).toBe(0);
    p.holdUntil('U2', 5000);
    expect(p.reserve('U2', 200)).toBe(4800);
  });
});
