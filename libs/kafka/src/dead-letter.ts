import type { Message } from 'kafkajs';
import { Headers } from './headers.js';

/**
 * Most bytes of key, value and headers a dead letter may have. The broker's default
 * `message.max.bytes` (and so a topic's `max.message.bytes`) is 1,048,588 bytes for a whole record
 * batch; a dead letter is the original plus its headers, so one that was near the limit would not
 * fit. 900 KiB leaves room for framing and for brokers configured a little lower.
 */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 900 * 1024;

/** Bytes of a record batch and its record beyond the key, value and headers (generous). */
export const RECORD_FRAMING_BYTES = 1024;

/** Counted per header on top of its name and value (two varint lengths). */
const HEADER_FRAMING_BYTES = 10;

/** A key longer than this is cut when a dead letter must be truncated (a lead id is far shorter). */
const MAX_TRUNCATED_KEY_BYTES = 4096;

export type HeaderValue = Buffer | string;

export interface DeadLetterParts {
  key: Buffer | string | null;
  value: Buffer | null;
  /** The original message's headers, copied first. */
  original: Record<string, HeaderValue>;
  /** The dead-letter headers (reason, kind, pointer to the original), which always stay and win. */
  added: Record<string, string>;
}

export interface FittedDeadLetter {
  message: Message;
  /** Whether the value (or key, or original headers) had to be cut. */
  truncated: boolean;
  /** Size of key, value and headers as sent. */
  bytes: number;
}

function byteLength(v: HeaderValue | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function headerBytes(headers: Record<string, HeaderValue>): number {
  let sum = 0;
  for (const [k, v] of Object.entries(headers))
    sum += Buffer.byteLength(k) + byteLength(v) + HEADER_FRAMING_BYTES;
  return sum;
}

/** The first `max` bytes of `buf`, not splitting a UTF-8 sequence (a cut JSON value stays readable text). */
export function cutUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = Math.max(0, max);
  // Back off over continuation bytes (10xxxxxx) to the start of the sequence cut in two.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/**
 * The dead letter for `parts`, within `maxBytes` of key, value and headers. If the whole copy
 * fits it is sent as it was. Otherwise the value is cut to what is left after the dead-letter
 * headers, the key (cut if absurdly long) and as many original headers as fit in an eighth of
 * the bound, and `x-baton-dlq-truncated` tells the original value's size.
 */
export function fitDeadLetter(parts: DeadLetterParts, maxBytes: number): FittedDeadLetter {
  const whole = { ...parts.original, ...parts.added };
  const key = parts.key === null ? null : typeof parts.key === 'string' ? Buffer.from(parts.key) : parts.key;
  const valueBytes = parts.value?.length ?? 0;
  const size = byteLength(key) + valueBytes + headerBytes(whole);
  if (size <= maxBytes)
    return { message: { key, value: parts.value, headers: whole }, truncated: false, bytes: size };

  const headers: Record<string, HeaderValue> = { ...parts.added, [Headers.dlqTruncated]: String(valueBytes) };
  let used = headerBytes(headers);
  const originalBudget = Math.floor(maxBytes / 8);
  let originalUsed = 0;
  for (const [k, v] of Object.entries(parts.original)) {
    if (k in headers) continue;
    const hb = headerBytes({ [k]: v });
    if (originalUsed + hb > originalBudget) continue;
    originalUsed += hb;
    headers[k] = v;
  }
  used += originalUsed;
  const cutKey = key && key.length > MAX_TRUNCATED_KEY_BYTES ? cutUtf8(key, MAX_TRUNCATED_KEY_BYTES) : key;
  used += byteLength(cutKey);
  const value = parts.value ? cutUtf8(parts.value, maxBytes - used) : null;
  return {
    message: { key: cutKey, value, headers },
    truncated: true,
    bytes: used + (value?.length ?? 0),
  };
}

/**
 * The smallest dead letter: the dead-letter headers (the pointer to the original among them) and
 * the key, no value. Sent when even a truncated copy was refused (a topic limit far below the
 * bound), so an operator still learns where the message is.
 */
export function pointerOnly(parts: DeadLetterParts): Message {
  const key = parts.key === null ? null : typeof parts.key === 'string' ? Buffer.from(parts.key) : parts.key;
  return {
    key: key && key.length > MAX_TRUNCATED_KEY_BYTES ? cutUtf8(key, MAX_TRUNCATED_KEY_BYTES) : key,
    value: null,
    headers: { ...parts.added, [Headers.dlqTruncated]: String(parts.value?.length ?? 0) },
  };
}
