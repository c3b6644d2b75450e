import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/** What every log line and every produced message of one unit of work carries. */
export interface WorkContext {
  traceId?: string;
  spanId?: string;
  leadId?: string;
  eventId?: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runInContext<T>(ctx: WorkContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ctx }, fn);
}

export function currentContext(): WorkContext {
  return storage.getStore() ?? {};
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** W3C trace context: parses a `traceparent` header, or undefined when malformed. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const m = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2] };
}

/** A traceparent for a new span: a child of the current trace, or a new trace. */
export function nextTraceparent(ctx: WorkContext = currentContext()): string {
  const traceId = ctx.traceId ?? randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return `00-${traceId}-${spanId}-01`;
}
