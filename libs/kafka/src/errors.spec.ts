import { describe, expect, it } from 'vitest';
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isNonRetriable, isRecordRefused, isTopicMissing, kafkaErrorTypes } from './errors.js';

/** As kafkajs's retrier gives up: `new KafkaJSNumberOfRetriesExceeded(e, { retryCount, retryTime, cause })`. */
const exhaustedBy = (cause: Error) =>
  new (KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: object) => Error)(cause, {
    retryCount: 8,
    retryTime: 100,
    cause,
  });

const protocol = (type: string, retriable: boolean, message: string) =>
  Object.assign(new KafkaJSProtocolError(message), { type, code: 0, retriable });

describe('kafka error classification', () => {
  const missing = protocol(
    'UNKNOWN_TOPIC_OR_PARTITION',
    true,
    'This server does not host this topic-partition',
  );
  const tooLarge = protocol(
    'MESSAGE_TOO_LARGE',
    false,
    'The request included a message larger than the max message size the server will accept',
  );

  it('finds a missing topic however kafkajs wrapped it', () => {
    expect(isTopicMissing(missing)).toBe(true);
    const exhausted = exhaustedBy(missing);
    expect(isTopicMissing(exhausted)).toBe(true);
    expect(kafkaErrorTypes(exhausted)).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    expect(isTopicMissing(new Error('This server does not host this topic-partition'))).toBe(true);
    expect(isTopicMissing(tooLarge)).toBe(false);
    expect(isTopicMissing(undefined)).toBe(false);
  });

  it('tells a refusal for good (too large) from what may pass', () => {
    expect(isNonRetriable(tooLarge)).toBe(true);
    expect(
      isNonRetriable(
        new (KafkaJSNonRetriableError as unknown as new (e: Error, o: object) => Error)(tooLarge, {
          cause: tooLarge,
        }),
      ),
    ).toBe(true);
    expect(isNonRetriable(missing)).toBe(false);
    expect(isNonRetriable(exhaustedBy(missing))).toBe(false);
    // Not a Kafka verdict: not taken for one.
    expect(isNonRetriable(new TypeError('x is undefined'))).toBe(false);
  });

  it('tells a record the broker refuses from a producer it refuses', () => {
    expect(isRecordRefused(tooLarge)).toBe(true);
    expect(isRecordRefused(exhaustedBy(tooLarge))).toBe(true);
    expect(isRecordRefused(protocol('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized'))).toBe(false);
    expect(isRecordRefused(missing)).toBe(false);
  });
});
