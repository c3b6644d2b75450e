/**
 * The connector's clock, in milliseconds and with sleep: the rate limiter, CRM retries, intake
 * loops and the webhook signature's timestamp window run on it. Injected as CONNECTOR_CLOCK; tests
 * replace it (`{ provide: CONNECTOR_CLOCK, useValue: clock }`).
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const CONNECTOR_CLOCK = Symbol('CONNECTOR_CLOCK');

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
