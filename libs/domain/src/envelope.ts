import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cleanJson, hasDirtyText, mayNeedCleaning } from './clean-text.js';
import { contractFor, type EventOf, type TopicName } from './topics.js';

/** CloudEvents 1.0, structured JSON mode. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

export const EnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});

export interface CloudEvent<T> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

export interface NewEvent<T extends TopicName> {
  topic: T;
  /** The lead id: message key and CloudEvents subject. */
  subject: string;
  data: EventOf<T>;
  /** Defaults to a random UUID; pass a deterministic id to make re-emission idempotent. */
  id?: string;
  time?: Date;
  /**
   * The producer built `data` itself from already-validated, typed inputs, so the schema parse
   * is skipped (it is the hot path of high-volume events). Default: validated.
   */
  trusted?: boolean;
}

/** Builds a CloudEvent for a topic, validating `data` against the topic's schema unless `trusted`. */
export function makeEvent<T extends TopicName>(source: string, e: NewEvent<T>): CloudEvent<EventOf<T>> {
  const contract = contractFor(e.topic);
  // Cleaning rebuilds the value: only when a string needs it (the usual event is walked, not copied).
  const clean = e.trusted || !hasDirtyText(e.data) ? e.data : cleanJson(e.data);
  const data = e.trusted ? e.data : (contract.schema.parse(clean) as EventOf<T>);
  return {
    specversion: '1.0',
    id: e.id ?? randomUUID(),
    source,
    type: contract.type,
    subject: e.subject,
    time: (e.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/**
 * Parses a raw message value into a typed CloudEvent of the given topic.
 * Throws EventValidationError naming every problem; unknown extra fields are
 * tolerated and dropped (tolerant reader), so producers may add optional fields.
 */
export function parseEvent<T extends TopicName>(
  topic: T,
  raw: Buffer | string | null,
): CloudEvent<EventOf<T>> {
  if (raw === null) throw new EventValidationError('message has no value', ['(root): null value']);
  let json: unknown;
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EventValidationError('message value is not JSON', [String((err as Error).message)]);
  }
  // NUL and lone surrogates would make a store or JSON column throw: cleaned, the event kept.
  if (mayNeedCleaning(text)) json = cleanJson(json);
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    const issues = describeIssues(envelope.error);
    throw new EventValidationError(`not a CloudEvents 1.0 envelope: ${issues.join('; ')}`, issues);
  }
  const contract = contractFor(topic);
  if (envelope.data.type !== contract.type) {
    const issue = `type: expected ${contract.type}, got ${envelope.data.type}`;
    throw new EventValidationError(`wrong event type on ${topic}: ${issue}`, [issue]);
  }
  const data = contract.schema.safeParse(envelope.data.data);
  if (!data.success) {
    const issues = describeIssues(data.error).map((i) => `data.${i}`);
    throw new EventValidationError(`invalid ${contract.type} data: ${issues.join('; ')}`, issues);
  }
  return { ...envelope.data, data: data.data as EventOf<T> } as CloudEvent<EventOf<T>>;
}
