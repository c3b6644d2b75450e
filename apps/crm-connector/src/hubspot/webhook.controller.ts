import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { JsonLogger, counter, histogram } from '@baton/observability';
import { BodyTooLarge, Public, SERVICE_ENV, readRawBody, replyJson } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { HubSpotInboxStore } from '../database/hubspot-inbox.store.js';
import { HubSpotInboxWorker } from './inbox-worker.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyHubSpotSignature } from './signature.js';
import { NOT_JSON, parseWebhookBatch } from './webhook-events.js';

const requests = counter('baton_hubspot_webhook_requests_total', 'Webhook deliveries by outcome', [
  'outcome',
]);
const ackSeconds = histogram(
  'baton_hubspot_webhook_ack_seconds',
  'Time from request to 2xx',
  [],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
);

/** Bodies answered 400 (over the cap, not JSON, not a batch): HubSpot drops them, so they are counted. */
const rejectedBodies = counter(
  'baton_hubspot_webhook_rejected_bodies_total',
  'Webhook bodies rejected as over-size or unparseable (answered 400, not retried by HubSpot)',
  ['reason'],
);

/** Events of a signed batch set aside at the edge (nested too deep, not an event, occurredAt out of range). */
const rejectedEvents = counter(
  'baton_hubspot_webhook_rejected_events_total',
  'Webhook events set aside in hubspot_inbox_rejected (the rest of their batch is accepted)',
  [],
);

/**
 * HubSpot webhook deliveries. The body is read here, byte for byte, because the v3 signature
 * covers the raw bytes: nothing parses or re-serialises it before the check. 2xx is answered
 * only after the events are committed to the inbox. A body HubSpot should not send again (bad
 * signature 401; over-size, not JSON or not a batch 400) gets a status HubSpot does not retry;
 * a 5xx (database down) is retried. Open to requests without the API token: the signature is
 * the authentication. Nest's body parser is off for the service (definition `http`).
 */
@Public()
@Controller('webhooks')
export class HubSpotWebhookController {
  private readonly log = new JsonLogger('hubspot.webhook');
  private readonly clientSecret: string;
  /** The public base URL HubSpot calls (scheme + host); the path and query come from the request. */
  private readonly publicUrl?: string;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly inbox: HubSpotInboxStore,
    private readonly worker: HubSpotInboxWorker,
    @Inject(SERVICE_ENV) env: ConnectorEnv,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {
    this.clientSecret = env.HUBSPOT_CLIENT_SECRET!;
    this.publicUrl = env.WEBHOOK_PUBLIC_URL;
    this.maxBodyBytes = env.WEBHOOK_MAX_BODY_BYTES;
  }

  @Post('hubspot')
  async receive(
    @Req() req: IncomingMessage & { originalUrl?: string },
    @Res() res: ServerResponse,
  ): Promise<void> {
    const started = performance.now();
    let raw: Buffer;
    try {
      raw = await readRawBody(req, this.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        // 400, not 413: HubSpot retries every status but 400, 401, 403, 404 and 405, and the same
        // body would only come back, over and over, for days.
        requests.inc({ outcome: 'too_large' });
        rejectedBodies.inc({ reason: 'too_large' });
        this.log.warn('webhook body over the cap rejected; HubSpot will not resend it', {
          maxBodyBytes: this.maxBodyBytes,
          declaredBytes: headerOf(req, 'content-length'),
        });
        res.setHeader('connection', 'close');
        replyJson(res, 400, { status: 'error', message: `body larger than ${this.maxBodyBytes} bytes` });
        return;
      }
      throw err;
    }
    const path = req.originalUrl ?? req.url ?? '/';
    const base =
      this.publicUrl ??
      `${headerOf(req, 'x-forwarded-proto') ?? 'http'}://${headerOf(req, 'x-forwarded-host') ?? req.headers.host}`;
    const verdict = verifyHubSpotSignature(
      {
        method: req.method ?? 'POST',
        uri: `${base}${path}`,
        rawBody: raw,
        signature: headerOf(req, SIGNATURE_HEADER),
        timestamp: headerOf(req, TIMESTAMP_HEADER),
      },
      this.clientSecret,
      this.clock.now(),
    );
    if (!verdict.valid) {
      requests.inc({ outcome: `rejected_${verdict.reason}` });
      this.log.warn('webhook rejected', { reason: verdict.reason, path });
      replyJson(res, 401, { status: 'error', message: `signature ${verdict.reason}` });
      return;
    }
    const parsed = parseWebhookBatch(raw, this.clock.now());
    if (!parsed.ok) {
      requests.inc({ outcome: 'invalid' });
      rejectedBodies.inc({ reason: parsed.problem === NOT_JSON ? 'not_json' : 'not_a_batch' });
      this.log.warn('signed webhook body is not a batch of events; rejected, HubSpot will not resend it', {
        problem: parsed.problem,
        bytes: raw.length,
      });
      replyJson(res, 400, { status: 'error', message: parsed.problem });
      return;
    }
    if (parsed.rejected.length) {
      rejectedEvents.inc(parsed.rejected.length);
      this.log.warn('webhook events set aside (hubspot_inbox_rejected); the rest of the batch is kept', {
        rejected: parsed.rejected.length,
        accepted: parsed.events.length,
        reasons: parsed.rejected.slice(0, 5).map((r) => r.reason),
      });
    }
    try {
      const result = await this.inbox.accept(parsed.events, parsed.rejected);
      requests.inc({ outcome: 'accepted' });
      this.worker.nudge();
      ackSeconds.observe((performance.now() - started) / 1000);
      replyJson(res, 200, { status: 'ok', ...result });
    } catch (err) {
      requests.inc({ outcome: 'store_failed' });
      this.log.error('could not store webhook delivery; HubSpot will retry', { error: err as Error });
      replyJson(res, 503, { status: 'error', message: 'temporarily unavailable' });
    }
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
