/**
 * A handler throws PermanentError for a message that can never succeed (a business rule
 * rejects it); it goes to the dead-letter topic at once instead of being retried.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

interface KafkaErrorLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
}

/** The error and every error behind it (kafkajs wraps the broker's answer in `cause`, or several in `errors`). */
function chain(err: unknown, seen = new Set<unknown>()): KafkaErrorLike[] {
  if (!err || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as KafkaErrorLike;
  return [
    e,
    ...chain(e.cause, seen),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => chain(x, seen)) : []),
  ];
}

/** The broker error types (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) found in a kafkajs error. */
export function kafkaErrorTypes(err: unknown): string[] {
  return [...new Set(chain(err).flatMap((e) => (typeof e.type === 'string' ? [e.type] : [])))];
}

/**
 * Whether a kafkajs error says a topic or partition does not exist (deleted, or never created):
 * the broker's UNKNOWN_TOPIC_OR_PARTITION, however deeply kafkajs wrapped it.
 */
export function isTopicMissing(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      e.type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      e.type === 'UNKNOWN_TOPIC_ID' ||
      (typeof e.message === 'string' && e.message.includes('does not host this topic-partition')),
  );
}

/**
 * Whether retrying can never help: the innermost cause is a Kafka error marked non-retriable
 * (e.g. MESSAGE_TOO_LARGE). Anything else, errors without a verdict included, counts as
 * retriable, as kafkajs counts it.
 */
export function isNonRetriable(err: unknown): boolean {
  const errors = chain(err);
  if (errors.length === 0) return false;
  if (errors.some((e) => e.name === 'KafkaJSNumberOfRetriesExceeded')) return false;
  let inner = errors[0];
  for (let depth = 0; depth < 10 && inner.cause && typeof inner.cause === 'object'; depth++)
    inner = inner.cause as KafkaErrorLike;
  return inner.retriable === false && (inner.name?.startsWith('KafkaJS') ?? false);
}

/** The broker's verdicts on a record itself (its size or form): sending it again can never pass. */
const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * Whether the broker refused the records themselves (one too large, or malformed), as opposed to
 * refusing the producer (authorisation) or being unreachable: only then is setting a record aside
 * the answer.
 */
export function isRecordRefused(err: unknown): boolean {
  return kafkaErrorTypes(err).some((t) => RECORD_REFUSALS.has(t));
}
