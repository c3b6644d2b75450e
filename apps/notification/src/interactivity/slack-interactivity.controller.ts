import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { JsonLogger, counter } from '@baton/observability';
import {
  BodyTooLarge,
  CLOCK,
  Public,
  SERVICE_ENV,
  readRawBody,
  replyJson,
  type Clock,
} from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { DeliveryStore } from '../database/delivery.store.js';
import { RepActionsService } from './rep-actions.service.js';
import { verifySlackSignature } from './slack-signature.js';

const requests = counter(
  'baton_notification_slack_interactions_total',
  'Slack interactivity requests by outcome',
  ['outcome'],
);

const ButtonValue = z.object({
  d: z.string().min(1),
  a: z.enum(['accepted', 'call_logged', 'not_mine', 'reassign_requested']),
});
const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string() }),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  actions: z.array(
    z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }),
  ),
});

/**
 * Slack's interactivity requests (the alert's buttons), at the app's Request URL. Public: Slack
 * signs them, and the signature is checked over the raw body before anything else (forged or
 * stale: 401, nothing happens; over NOTIFICATION_MAX_BODY_BYTES: 413). The action is committed
 * (rep.action.v1 and the rest through the outbox) and then acknowledged — a few milliseconds,
 * well within Slack's 3 s — and the message is updated after the ack.
 * https://api.slack.com/docs/verifying-requests-from-slack, https://docs.slack.dev/interactivity/handling-user-interaction
 */
@Controller('slack')
export class SlackInteractivityController {
  private readonly log = new JsonLogger('notification.slack');

  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly actions: RepActionsService,
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Public()
  @Post('interactions')
  async receive(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readRawBody(req, this.env.NOTIFICATION_MAX_BODY_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      requests.inc({ outcome: 'too_large' });
      res.setHeader('connection', 'close');
      return replyJson(res, 413, { error: `body larger than ${this.env.NOTIFICATION_MAX_BODY_BYTES} bytes` });
    }
    const secret = this.env.SLACK_SIGNING_SECRET;
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = secret
      ? verifySlackSignature(
          secret,
          { signature: header('x-slack-signature'), timestamp: header('x-slack-request-timestamp') },
          raw,
          this.clock.now(),
        )
      : ({ valid: false, reason: 'missing' } as const);
    if (!verdict.valid) {
      requests.inc({ outcome: `rejected_${verdict.reason}` });
      this.log.warn('Slack interactivity request rejected', { reason: verdict.reason });
      return replyJson(res, 401, { error: `signature ${verdict.reason}` });
    }
    let payload: z.infer<typeof BlockActions>;
    try {
      const form = new URLSearchParams(raw.toString('utf8'));
      const parsed = BlockActions.safeParse(JSON.parse(form.get('payload') ?? 'null'));
      if (!parsed.success) {
        // Other interaction types (shortcuts, view submissions) are not Baton's: acknowledged, ignored.
        requests.inc({ outcome: 'ignored' });
        return replyJson(res, 200);
      }
      payload = parsed.data;
    } catch {
      requests.inc({ outcome: 'invalid' });
      return replyJson(res, 400, { error: 'payload is not JSON' });
    }
    const channelId = payload.container?.channel_id ?? payload.channel?.id;
    for (const action of payload.actions) {
      if (!action.action_id.startsWith('baton_') || !action.value) continue; // "Open in CRM" is a link
      let value: z.infer<typeof ButtonValue>;
      try {
        value = ButtonValue.parse(JSON.parse(action.value));
      } catch {
        requests.inc({ outcome: 'unknown_button' });
        continue;
      }
      // A click can come in before the post's outcome is recorded (a few ms): wait for it, briefly.
      let row = await this.deliveries.get(value.d);
      for (let i = 0; i < 20 && row?.status === 'sending' && !row.providerChannel; i++) {
        await new Promise((r) => setTimeout(r, 100));
        row = await this.deliveries.get(value.d);
      }
      // The button must come from the DM Baton posted that alert to: only its recipient is in it.
      if (!row || row.channel !== 'slack' || !row.providerChannel || row.providerChannel !== channelId) {
        requests.inc({ outcome: 'unknown_alert' });
        this.log.warn('Slack action for an alert Baton did not post there; ignored', { delivery: value.d });
        continue;
      }
      const result = await this.actions.act(
        row,
        value.a,
        'slack',
        action.action_ts ?? payload.container?.message_ts ?? '0',
      );
      requests.inc({ outcome: 'refused' in result ? 'refused' : result.recorded ? 'recorded' : 'repeated' });
    }
    replyJson(res, 200);
  }
}
