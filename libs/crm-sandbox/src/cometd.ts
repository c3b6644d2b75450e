import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RetainedEvent } from './salesforce.js';

/*
 * Salesforce Streaming API (CometD / Bayeux 1.0 over long-polling) for Change Data Capture,
 * built on faye's NodeAdapter with one server-side extension that behaves like Salesforce:
 *  - the handshake needs `Authorization: OAuth|Bearer <token>`; a bad token answers
 *    `403::Handshake denied` with ext.sfdc.failureReason `401::Authentication invalid` and
 *    advice.reconnect `none` (what jsforce's StreamingExtension.AuthFailure looks for);
 *  - a successful handshake advertises ext { replay: true, 'payload.format': true } and only
 *    long-polling, as Salesforce does (handshake reply recorded in jsforce debug logs);
 *  - /meta/subscribe honours the replay extension `ext.replay[channel]` that jsforce's
 *    StreamingExtension.Replay sends: -1 (or absent) = new events only, -2 = every retained
 *    event, n = the retained events after n; an n outside the 3-day retention window fails with
 *    `400::The replayId {n} you provided was invalid. ...` (Streaming API Developer Guide,
 *    "Message Durability");
 *  - events are delivered as data { schema, payload, event: { replayId } } (CDC developer guide).
 * Clients may not publish: Salesforce channels are read-only for subscribers.
 */

interface FayeMessage {
  channel: string;
  clientId?: string;
  id?: string;
  subscription?: string | string[];
  ext?: Record<string, unknown>;
  error?: string;
  successful?: boolean;
  advice?: Record<string, unknown>;
  data?: unknown;
  supportedConnectionTypes?: string[];
}

type Callback = (message: FayeMessage) => void;

interface FayeServerExtension {
  incoming(message: FayeMessage, request: IncomingMessage | null, callback: Callback): void;
  outgoing(message: FayeMessage, request: IncomingMessage | null, callback: Callback): void;
}

/** The parts of faye's NodeAdapter and its in-memory engine the endpoint uses. */
interface FayeNodeAdapter {
  handle(request: IncomingMessage, response: ServerResponse): void;
  addExtension(extension: FayeServerExtension): void;
  close(): void;
  _server: {
    _engine: {
      publish(message: { channel: string; data: unknown }): void;
      // The memory engine keeps a per-client outbox; replays are queued there so that they
      // reach only the subscribing client, before any later live event.
      _engine: { _messages: Map<string, unknown[]>; emptyQueue(clientId: string): void };
    };
  };
}

interface FayeModule {
  NodeAdapter: new (options: { mount: string; timeout: number }) => FayeNodeAdapter;
}

const require = createRequire(import.meta.url);
const faye = require('faye') as FayeModule;

export const CDC_CHANNELS = ['/data/LeadChangeEvent', '/data/TaskChangeEvent'];

export interface CometdEndpointOptions {
  apiVersion: string;
  accessToken: string;
  retained: RetainedEvent[];
  now: () => number;
  retentionMs: number;
}

export class CometdEndpoint {
  private readonly adapter: FayeNodeAdapter;
  private readonly mount: string;
  /** replayId requested per `${clientId} ${channel}` between the subscribe request and its reply. */
  private readonly pendingReplays = new Map<string, number>();
  /** Highest replayId dropped from retention; a stored replayId below it can no longer be resumed. */
  private prunedThrough = 0;
  private lastReplayId = 0;

  constructor(private readonly options: CometdEndpointOptions) {
    this.mount = `/cometd/${options.apiVersion}`;
    // Salesforce holds a long-poll /meta/connect for up to 110 s (advice.timeout 110000).
    this.adapter = new faye.NodeAdapter({ mount: this.mount, timeout: 110 });
    this.adapter.addExtension(this.extension());
  }

  handles(req: IncomingMessage): boolean {
    const path = (req.url ?? '').split('?')[0];
    return path === this.mount || path.startsWith(`${this.mount}/`);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.adapter.handle(req, res);
  }

  publish(event: RetainedEvent): void {
    this.lastReplayId = Math.max(this.lastReplayId, event.replayId);
    this.adapter._server._engine.publish({ channel: event.channel, data: wireData(event) });
  }

  async close(): Promise<void> {
    // Flushes pending long-polls so the HTTP server can close.
    this.adapter.close();
    await Promise.resolve();
  }

  /** Drops events older than the retention window (3 days on Salesforce). */
  prune(): void {
    const horizon = this.options.now() - this.options.retentionMs;
    const retained = this.options.retained;
    while (retained.length > 0 && retained[0].createdAt < horizon) {
      this.prunedThrough = Math.max(this.prunedThrough, retained.shift()!.replayId);
    }
  }

  private authorized(request: IncomingMessage | null): boolean {
    if (request === null) return true;
    const token = /^(?:OAuth|Bearer) (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return token === this.options.accessToken;
  }

  private extension(): FayeServerExtension {
    return {
      incoming: (message, request, callback) => {
        if (!this.authorized(request)) {
          message.error =
            message.channel === '/meta/handshake' ? '403::Handshake denied' : '401::Authentication invalid';
          callback(message);
          return;
        }
        if (!message.channel.startsWith('/meta/') && request !== null) {
          message.error = '403::Publish denied';
          callback(message);
          return;
        }
        if (message.channel === '/meta/subscribe') {
          const channels = ([] as string[]).concat(message.subscription ?? []);
          const replays = (message.ext?.replay ?? {}) as Record<string, unknown>;
          for (const channel of channels) {
            if (!CDC_CHANNELS.includes(channel)) {
              message.error = `400::The channel you requested to subscribe to does not exist {${channel}}`;
              break;
            }
            const requested = replays[channel];
            const replayId = requested === undefined || requested === null ? -1 : Number(requested);
            if (!this.validReplayId(replayId)) {
              message.error = `400::The replayId {${String(requested)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;
              break;
            }
            this.pendingReplays.set(`${message.clientId} ${channel}`, replayId);
          }
        }
        callback(message);
      },
      outgoing: (message, request, callback) => {
        if (message.channel === '/meta/handshake') {
          message.supportedConnectionTypes = ['long-polling'];
          if (message.successful) {
            message.ext = { replay: true, 'payload.format': true };
          } else if (message.error === '403::Handshake denied') {
            message.ext = { sfdc: { failureReason: '401::Authentication invalid' }, replay: true };
            message.advice = { reconnect: 'none' };
          }
        }
        if (message.channel === '/meta/subscribe' && message.clientId) {
          const channels = ([] as string[]).concat(message.subscription ?? []);
          for (const channel of channels) {
            const key = `${message.clientId} ${channel}`;
            const replayId = this.pendingReplays.get(key);
            this.pendingReplays.delete(key);
            if (message.successful && replayId !== undefined)
              this.replay(message.clientId, channel, replayId);
          }
        }
        callback(message);
      },
    };
  }

  private validReplayId(replayId: number): boolean {
    if (replayId === -1 || replayId === -2) return true;
    this.prune();
    return Number.isInteger(replayId) && replayId >= this.prunedThrough && replayId <= this.lastReplayId;
  }

  private replay(clientId: string, channel: string, replayId: number): void {
    if (replayId === -1) return;
    this.prune();
    const events = this.options.retained.filter(
      (e) => e.channel === channel && (replayId === -2 || e.replayId > replayId),
    );
    if (events.length === 0) return;
    const memory = this.adapter._server._engine._engine;
    const outbox = memory._messages.get(clientId) ?? [];
    for (const event of events) outbox.push({ channel, data: wireData(event) });
    memory._messages.set(clientId, outbox);
    // Delivered on the client's pending /meta/connect, or the next one.
    memory.emptyQueue(clientId);
  }
}

function wireData(event: RetainedEvent) {
  return {
    schema: event.schema,
    payload: structuredClone(event.payload),
    event: { replayId: event.replayId },
  };
}
