import type { IncomingMessage, ServerResponse } from 'node:http';

/** The body was over the bound given to readRawBody (by its Content-Length or as it arrived). */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`body larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads a request body as the exact bytes sent, for routes that verify a signature over them
 * (HubSpot webhooks, Slack interactivity): never more than `maxBytes` held in memory.
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(new BodyTooLarge(maxBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers a raw route with JSON (or nothing), with its length. */
export function replyJson(res: ServerResponse, status: number, body?: Record<string, unknown>): void {
  const text = body ? JSON.stringify(body) : '';
  res.statusCode = status;
  if (body) res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
