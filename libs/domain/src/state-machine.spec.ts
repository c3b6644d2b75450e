import { describe, expect, it } from 'vitest';
import { LIFECYCLE_STAGES } from './lifecycle.js';
import {
  IllegalTransitionError,
  allowedTransitions,
  assertTransition,
  canTransition,
} from './state-machine.js';

describe('lifecycle state machine', () => {
  it('lets evidence move a lead forward, skipping stages', () => {
    expect(canTransition('subscriber', 'sql')).toBe(true);
    expect(canTransition('lead', 'mql')).toBe(true);
    expect(canTransition('mql', 'sql')).toBe(true);
    expect(canTransition('sql', 'opportunity')).toBe(true);
    expect(canTransition('opportunity', 'customer')).toBe(true);
  });

  it('only lets sales send a lead back through nurture', () => {
    expect(canTransition('sql', 'mql')).toBe(false);
    expect(canTransition('sql', 'nurture')).toBe(true);
    expect(canTransition('nurture', 'sql')).toBe(true);
    expect(canTransition('disqualified', 'sql')).toBe(false);
    expect(canTransition('disqualified', 'nurture')).toBe(true);
  });

  it('treats customer as terminal and forbids self-loops', () => {
    expect(allowedTransitions('customer')).toEqual([]);
    for (const s of LIFECYCLE_STAGES) expect(canTransition(s, s)).toBe(false);
  });

  it('names both ends of an illegal move', () => {
    expect(() => assertTransition('customer', 'lead')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('customer', 'lead')).toThrow('customer -> lead');
  });
});
