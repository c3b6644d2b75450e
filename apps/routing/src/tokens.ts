/** Injection tokens for the values main.ts builds before Nest starts. */
export const ROUTING_POLICY = Symbol('ROUTING_POLICY');
export const CLOCK = Symbol('CLOCK');
export const ROUTING_SETTINGS = Symbol('ROUTING_SETTINGS');
