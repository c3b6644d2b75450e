import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the sandbox saw it, kept for assertions ("how many API calls did the handoff cost?"). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
  headers: Record<string, string>;
  at: number;
  status: number;
}

export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
}

export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export async function toSandboxRequest(
  req: IncomingMessage,
): Promise<SandboxRequest & { jsonError: boolean }> {
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const rawBody = await readRawBody(req);
  const parsed = parseJsonBody(rawBody);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    // Both SDKs sometimes add a trailing slash (`/crm/v3/owners/`, `/events/v3/events/`): route without it.
    path: url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname,
    query: url.searchParams,
    rawQuery: url.search.replace(/^\?/, ''),
    headers: flattenHeaders(req),
    rawBody,
    body: parsed.ok ? parsed.value : rawBody,
    jsonError: !parsed.ok,
  };
}

/**
 * Serves one request through a sandbox's dispatcher, recording it (what tests assert on) and
 * answering unexpected failures with the vendor's shape of a 500.
 */
export function serveRecorded(
  req: IncomingMessage,
  res: ServerResponse,
  dispatch: (request: Awaited<ReturnType<typeof toSandboxRequest>>) => SandboxResponse,
  requests: RecordedRequest[],
  now: () => number,
  internalError: (message: string) => SandboxResponse,
): void {
  void toSandboxRequest(req)
    .then((request) => {
      const response = dispatch(request);
      requests.push({
        method: request.method,
        path: request.path,
        query: request.rawQuery,
        body: request.body,
        headers: request.headers,
        at: now(),
        status: response.status,
      });
      writeResponse(res, response);
    })
    .catch((err: unknown) => writeResponse(res, internalError((err as Error).message)));
}

export function writeResponse(res: ServerResponse, response: SandboxResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | undefined;
  if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['Content-Type'] ??= 'application/json;charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  } else {
    headers['Content-Length'] = '0';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

export interface ListeningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = any free port) and closes idle keep-alive sockets on close(). */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
): Promise<ListeningServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export function randomId(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
