import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, send, until } from './http.js';

/**
 * A Slack Web API fake for tests and the quickstart, driven through the official `@slack/web-api`
 * client (point `slackApiUrl` at `apiUrl`). It answers the methods Baton uses the way Slack does
 * (HTTP 200 with `ok`/`error`, 429 with `Retry-After`), records every call, keeps the messages
 * per channel with their `metadata`, checks Block Kit's documented limits, and signs
 * interactivity payloads the way Slack signs them.
 *
 * Sources: https://docs.slack.dev/reference/methods/chat.postMessage (DM by user id, `metadata`),
 * https://docs.slack.dev/messaging/message-metadata, https://docs.slack.dev/apis/web-api/rate-limits
 * (429 + Retry-After), https://api.slack.com/docs/verifying-requests-from-slack (v0 signature),
 * https://docs.slack.dev/reference/block-kit/blocks (50 blocks, 3,000 chars of section text).
 */
export interface SlackFakeUser {
  id: string;
  name: string;
  email?: string;
}

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  status: number;
  error?: string;
  at: number;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** How often chat.update replaced it. */
  updates: number;
}

/** What the next call(s) of a method answer instead of the normal reply. */
export interface SlackFailure {
  /** 429 with this Retry-After (seconds). */
  retryAfter?: number;
  /** An HTTP status (e.g. 500, 503) with an HTML body, as a load balancer answers. */
  status?: number;
  /** A platform error: HTTP 200 `{ ok: false, error }`, e.g. `channel_not_found`. */
  error?: string;
  /** How many calls it applies to (default 1). */
  times?: number;
}

export interface SlackFakeOptions {
  port?: number;
  /** The bot token it accepts (`Authorization: Bearer …`); any token when unset. */
  token?: string;
  /** Signs interactivity payloads (`signInteraction`, `clickButton`). */
  signingSecret?: string;
  users?: SlackFakeUser[];
  /** Milliseconds each call waits before answering (latency). */
  latencyMs?: number;
  /** Every `U…` id is a workspace member (the quickstart posts to the roster's ids). */
  anyUser?: boolean;
  /** Interface to listen on (127.0.0.1; 0.0.0.0 in a container). */
  host?: string;
}

export interface SlackFake {
  /** The `slackApiUrl` for WebClient: `http://127.0.0.1:<port>/api/`. */
  apiUrl: string;
  port: number;
  signingSecret: string;
  calls: SlackCall[];
  messages: SlackMessage[];
  users: SlackFakeUser[];
  /** Messages posted to a user's DM channel, oldest first. */
  dms(userId: string): SlackMessage[];
  /** Successful calls of one method. */
  callsOf(method: string): SlackCall[];
  failNext(method: string, failure: SlackFailure): void;
  /** Every call answers 503 while down. */
  setDown(down: boolean): void;
  /** The body and headers of an interactivity request, signed as Slack signs it (v0). */
  signInteraction(payload: unknown, opts?: { timestamp?: number; secret?: string }): SignedRequest;
  /** POSTs a `block_actions` payload for a button of a message to the app's interactivity URL. */
  clickButton(
    url: string,
    click: { message: SlackMessage; actionId: string; userId: string; timestamp?: number; secret?: string },
  ): Promise<Response>;
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

function dmChannelOf(userId: string): string {
  return `D${userId.replace(/^[UW]/, '')}`;
}

const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;
const MAX_FIELDS = 10;
const MAX_FIELD_TEXT = 2000;
const MAX_ACTION_ELEMENTS = 25;
const MAX_BUTTON_VALUE = 2000;
const MAX_TEXT = 4000;

/** The documented Block Kit limits; a message over them is refused like Slack refuses it (`invalid_blocks`). */
export function blockProblems(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > MAX_BLOCKS) problems.push(`${blocks.length} blocks (at most ${MAX_BLOCKS})`);
  blocks.forEach((raw, i) => {
    const b = raw as {
      type?: string;
      text?: { text?: string };
      fields?: { text?: string }[];
      elements?: { type?: string; value?: string; text?: { text?: string } }[];
    };
    if (b.type === 'section') {
      if ((b.text?.text?.length ?? 0) > MAX_SECTION_TEXT)
        problems.push(`block ${i}: section text of ${b.text!.text!.length} characters`);
      if ((b.fields?.length ?? 0) > MAX_FIELDS) problems.push(`block ${i}: ${b.fields!.length} fields`);
      for (const f of b.fields ?? [])
        if ((f.text?.length ?? 0) > MAX_FIELD_TEXT)
          problems.push(`block ${i}: a field over ${MAX_FIELD_TEXT}`);
      if (!b.text && !b.fields) problems.push(`block ${i}: section without text or fields`);
    } else if (b.type === 'actions') {
      if ((b.elements?.length ?? 0) > MAX_ACTION_ELEMENTS) problems.push(`block ${i}: too many elements`);
      for (const e of b.elements ?? [])
        if ((e.value?.length ?? 0) > MAX_BUTTON_VALUE) problems.push(`block ${i}: button value too long`);
    } else if (b.type !== 'context' && b.type !== 'divider' && b.type !== 'header') {
      problems.push(`block ${i}: unknown type ${String(b.type)}`);
    }
  });
  return problems;
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json'))
    return (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The client JSON-encodes objects and arrays (blocks, metadata) inside the form.
    out[k] = /^[[{]/.test(v) ? (JSON.parse(v) as unknown) : v;
  }
  return out;
}

export async function startSlackFake(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const signingSecret = opts.signingSecret ?? 'sandbox-signing-secret';
  const users = [...(opts.users ?? [])];
  const calls: SlackCall[] = [];
  const messages: SlackMessage[] = [];
  const failures = new Map<string, SlackFailure[]>();
  let down = false;
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

  const ok = (body: Record<string, unknown>) => ({ ok: true, ...body });
  const fail = (error: string) => ({ ok: false, error });

  function resolveChannel(channel: unknown): string | undefined {
    if (typeof channel !== 'string' || !channel) return undefined;
    if (/^[UW]/.test(channel))
      return opts.anyUser || users.some((u) => u.id === channel) ? dmChannelOf(channel) : undefined;
    return channel;
  }

  function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return ok({ user_id: 'UBATONBOT', team_id: 'TSANDBOX', bot_id: 'BBATON' });
      case 'users.lookupByEmail': {
        const user = users.find((u) => u.email?.toLowerCase() === String(args.email ?? '').toLowerCase());
        return user
          ? ok({
              user: { id: user.id, name: user.name, real_name: user.name, profile: { email: user.email } },
            })
          : fail('users_not_found');
      }
      case 'conversations.open': {
        const user = String(args.users ?? '').split(',')[0];
        return opts.anyUser || users.some((u) => u.id === user)
          ? ok({ channel: { id: dmChannelOf(user) } })
          : fail('user_not_found');
      }
      case 'chat.postMessage': {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        const text = typeof args.text === 'string' ? args.text : '';
        const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined;
        if (!text && !blocks) return fail('no_text');
        if (text.length > MAX_TEXT) return fail('msg_too_long');
        if (blocks && blockProblems(blocks).length > 0) return fail('invalid_blocks');
        const message: SlackMessage = {
          channel,
          ts: nextTs(),
          text,
          blocks,
          metadata: args.metadata as SlackMessage['metadata'],
          updates: 0,
        };
        messages.push(message);
        return ok({ channel, ts: message.ts, message: { text, blocks, ts: message.ts } });
      }
      case 'chat.update': {
        const message = messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!message) return fail('message_not_found');
        const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : message.blocks;
        if (blocks && blockProblems(blocks).length > 0) return fail('invalid_blocks');
        if (typeof args.text === 'string') message.text = args.text;
        message.blocks = blocks;
        if (args.metadata) message.metadata = args.metadata as SlackMessage['metadata'];
        message.updates++;
        return ok({ channel: message.channel, ts: message.ts });
      }
      case 'conversations.history': {
        const channel = String(args.channel ?? '');
        const oldest = Number(args.oldest ?? 0);
        const limit = Number(args.limit ?? 100);
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const found = messages
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .reverse()
          .slice(0, limit)
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            bot_id: 'BBATON',
            // Slack returns event_payload only with include_all_metadata.
            ...(m.metadata
              ? {
                  metadata: withMetadata ? m.metadata : { event_type: m.metadata.event_type },
                }
              : {}),
          }));
        return ok({ messages: found, has_more: false });
      }
      default:
        return fail('unknown_method');
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://slack.local');
    if (req.method === 'GET' && url.pathname === '/_sandbox/messages') {
      send(res, 200, messages);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/_sandbox/calls') {
      // The calls from index `from` on, compact (a benchmark in another process reads them).
      const from = Number(url.searchParams.get('from') ?? 0);
      send(
        res,
        200,
        calls.slice(from).map((c) => ({
          method: c.method,
          status: c.status,
          error: c.error,
          at: c.at,
          channel: c.args.channel,
        })),
      );
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const raw = await readBody(req);
    const args = parseArgs(raw, req.headers['content-type']);
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const record = (status: number, error?: string) =>
      calls.push({ method, args, status, error, at: Date.now() });
    if (down) {
      record(503, 'down');
      send(res, 503, '<html><body>503 Service Unavailable</body></html>');
      return;
    }
    const queued = failures.get(method);
    const failure = queued?.[0];
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) queued!.shift();
      if (failure.retryAfter !== undefined) {
        record(429, 'ratelimited');
        send(res, 429, fail('ratelimited'), { 'retry-after': String(failure.retryAfter) });
        return;
      }
      if (failure.status !== undefined) {
        record(failure.status, `http_${failure.status}`);
        send(res, failure.status, `<html><body>${failure.status}</body></html>`);
        return;
      }
      record(200, failure.error);
      send(res, 200, fail(failure.error ?? 'internal_error'));
      return;
    }
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ') || (opts.token && auth !== `Bearer ${opts.token}`)) {
      record(200, 'invalid_auth');
      send(res, 200, fail('invalid_auth'));
      return;
    }
    const body = answer(method, args);
    record(200, body.ok ? undefined : String(body.error));
    send(res, 200, body);
  };

  const listening = await listen(opts.port ?? 0, handle, opts.host);

  const signInteraction = (
    payload: unknown,
    o: { timestamp?: number; secret?: string } = {},
  ): SignedRequest => {
    const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(o.secret ?? signingSecret, timestamp, body),
      },
    };
  };

  return {
    apiUrl: `http://127.0.0.1:${listening.port}/api/`,
    port: listening.port,
    signingSecret,
    calls,
    messages,
    users,
    dms: (userId) => messages.filter((m) => m.channel === dmChannelOf(userId)),
    callsOf: (method) => calls.filter((c) => c.method === method && c.status === 200 && !c.error),
    failNext: (method, failure) => {
      const list = failures.get(method) ?? [];
      list.push({ ...failure });
      failures.set(method, list);
    },
    setDown: (value) => {
      down = value;
    },
    signInteraction,
    clickButton: async (url, click) => {
      const actions = (click.message.blocks ?? []).flatMap(
        (b) => ((b as { elements?: { action_id?: string }[] }).elements ?? []) as Record<string, unknown>[],
      );
      const button = actions.find((a) => a.action_id === click.actionId);
      if (!button) throw new Error(`no button ${click.actionId} on message ${click.message.ts}`);
      const user = users.find((u) => u.id === click.userId);
      // The shape Slack POSTs for a button in a message: type block_actions, who, which message, which action.
      const payload = {
        type: 'block_actions',
        user: { id: click.userId, username: user?.name ?? click.userId, name: user?.name ?? click.userId },
        api_app_id: 'ABATON',
        token: 'deprecated-verification-token',
        container: { type: 'message', message_ts: click.message.ts, channel_id: click.message.channel },
        trigger_id: `trigger-${Date.now()}`,
        team: { id: 'TSANDBOX', domain: 'sandbox' },
        channel: { id: click.message.channel, name: 'directmessage' },
        message: { ts: click.message.ts, text: click.message.text, blocks: click.message.blocks },
        response_url: `http://127.0.0.1:${listening.port}/_sandbox/response`,
        actions: [
          {
            type: 'button',
            action_id: click.actionId,
            block_id: button.block_id ?? 'actions',
            value: button.value,
            text: button.text,
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
      const signed = signInteraction(payload, { timestamp: click.timestamp, secret: click.secret });
      return fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
    },
    waitFor: (check, timeoutMs = 30_000, what = 'the Slack fake') => until(check, timeoutMs, what),
    close: () => listening.close(),
  };
}
