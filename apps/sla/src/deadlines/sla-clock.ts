import { CLOCK, SERVICE_ENV, type Clock } from '@baton/platform';
import type { SlaEnv } from '../config/env.js';

/** The clock every SLA decision reads: the kit's (a ManualClock in tests), shifted by SLA_CLOCK_SHIFT_MS for drills. */
export const SLA_CLOCK = Symbol('SLA_CLOCK');

export const slaClockProvider = {
  provide: SLA_CLOCK,
  inject: [CLOCK, SERVICE_ENV],
  useFactory: (clock: Clock, env: SlaEnv): Clock =>
    env.SLA_CLOCK_SHIFT_MS === 0
      ? clock
      : { now: () => new Date(clock.now().getTime() + env.SLA_CLOCK_SHIFT_MS) },
};
