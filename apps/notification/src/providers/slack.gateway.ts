import { Inject, Injectable } from '@nestjs/common';
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { CLOCK, SERVICE_ENV, type Clock } from '@baton/platform';
import type { Person } from '../alerts/content.js';
import type { SlackBlock } from '../alerts/slack-blocks.js';
import type { NotificationEnv } from '../config/env.js';
import { LeadStateStore } from '../database/lead-state.store.js';
import { PermanentFailure, RetryLater, TransientFailure } from '../delivery/failures.js';

/** The message `metadata` type Baton's alerts carry: the delivery id, found again after a crash. */
export const DELIVERY_METADATA_TYPE = 'baton_delivery';

/** Slack errors that will not go away by retrying (https://docs.slack.dev/reference/methods/chat.postMessage#errors). */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'user_not_found',
  'users_not_found',
  'user_disabled',
  'account_inactive',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'restricted_action',
  'cannot_dm_bot',
  'message_not_found',
  'cant_update_message',
]);

/**
 * Slack through `@slack/web-api` (v8). Its default retries (10 over ~30 minutes, the whole queue
 * paused on a 429) would hold a lead's alert for half an hour, so: 429s are rejected at once
 * (`rejectRateLimitedCalls`) and the delivery waits the `Retry-After` in Postgres; posting is never
 * retried by the client (chat.postMessage has no idempotency key: a retry after a lost response
 * posts twice), the dispatcher retries it after looking for the first one; reads and updates get
 * two quick client retries with backoff and jitter.
 * https://docs.slack.dev/tools/node-slack-sdk/web-api/#handle-rate-limits, https://docs.slack.dev/apis/web-api/rate-limits
 */
@Injectable()
export class SlackGateway {
  readonly enabled: boolean;
  private readonly poster?: WebClient;
  private readonly reader?: WebClient;
  private readonly userIds = new Map<string, string>();

  constructor(
    @Inject(SERVICE_ENV) env: NotificationEnv,
    private readonly state: LeadStateStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.enabled = Boolean(env.SLACK_BOT_TOKEN);
    if (!env.SLACK_BOT_TOKEN) return;
    const common = {
      slackApiUrl: env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`,
      rejectRateLimitedCalls: true,
      timeout: env.NOTIFICATION_SLACK_TIMEOUT_MS,
      logLevel: LogLevel.ERROR,
      // Absolute URLs as method names would send the token elsewhere.
      allowAbsoluteUrls: false,
    };
    this.poster = new WebClient(env.SLACK_BOT_TOKEN, { ...common, retryConfig: { retries: 0 } });
    this.reader = new WebClient(env.SLACK_BOT_TOKEN, {
      ...common,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000, randomize: true },
    });
  }

  /** The person's Slack user id: from the roster, else users.lookupByEmail (Tier 3), remembered. */
  async userIdOf(person: Person): Promise<string> {
    if (person.slackUserId) return person.slackUserId;
    const email = person.email.toLowerCase();
    const known = this.userIds.get(email) ?? (await this.state.slackUser(email))?.userId;
    if (known) {
      this.userIds.set(email, known);
      return known;
    }
    const found = await this.call(() => this.client('reader').users.lookupByEmail({ email }));
    const id = found.user?.id;
    if (!id) throw new PermanentFailure(`no Slack user for ${email}`);
    this.userIds.set(email, id);
    await this.state.rememberSlackUser(email, id, this.clock.now());
    return id;
  }

  /**
   * After a crash between the call and the record (or a timeout), Slack may have the message: it is
   * looked for in the DM's recent history by the delivery id in its metadata before posting again.
   */
  async findEarlier(
    userId: string,
    deliveryId: string,
    since: Date,
  ): Promise<{ channel: string; ts: string } | undefined> {
    const opened = await this.call(() => this.client('reader').conversations.open({ users: userId }));
    const channel = opened.channel?.id;
    if (!channel) return undefined;
    const history = await this.call(() =>
      this.client('reader').conversations.history({
        channel,
        oldest: String(Math.floor(since.getTime() / 1000) - 60),
        limit: 100,
        include_all_metadata: true,
      }),
    );
    const earlier = history.messages?.find(
      (m) =>
        m.metadata?.event_type === DELIVERY_METADATA_TYPE &&
        (m.metadata.event_payload as { delivery_id?: string } | undefined)?.delivery_id === deliveryId,
    );
    return earlier?.ts ? { channel, ts: earlier.ts } : undefined;
  }

  async post(
    userId: string,
    deliveryId: string,
    message: { text: string; blocks: SlackBlock[] },
  ): Promise<{ channel: string; ts: string }> {
    const res = await this.call(() =>
      this.client('poster').chat.postMessage({
        channel: userId,
        text: message.text,
        blocks: message.blocks,
        metadata: { event_type: DELIVERY_METADATA_TYPE, event_payload: { delivery_id: deliveryId } },
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!res.ts || !res.channel)
      throw new TransientFailure('chat.postMessage answered without channel and ts', true);
    return { channel: res.channel, ts: res.ts };
  }

  async update(channel: string, ts: string, message: { text: string; blocks: SlackBlock[] }): Promise<void> {
    await this.call(() =>
      this.client('reader').chat.update({ channel, ts, text: message.text, blocks: message.blocks }),
    );
  }

  private client(which: 'poster' | 'reader'): WebClient {
    const c = which === 'poster' ? this.poster : this.reader;
    if (!c) throw new PermanentFailure('Slack is not configured (SLACK_BOT_TOKEN)');
    return c;
  }

  /** Maps the client's errors onto what the dispatcher does next. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw classifySlackError(err);
    }
  }
}

export function classifySlackError(err: unknown): Error {
  if (err instanceof RetryLater || err instanceof TransientFailure || err instanceof PermanentFailure)
    return err;
  if (err instanceof WebAPIRateLimitedError)
    return new RetryLater(
      Math.max(1, err.retryAfter) * 1000,
      `Slack rate limit: Retry-After ${err.retryAfter} s`,
    );
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    if (code === 'ratelimited') return new RetryLater(1000, 'Slack rate limit');
    return PERMANENT.has(code)
      ? new PermanentFailure(`Slack: ${code}`)
      : new TransientFailure(`Slack: ${code}`, true);
  }
  if (err instanceof WebAPIHTTPError) {
    if (err.statusCode >= 500 || err.statusCode === 408)
      return new TransientFailure(`Slack HTTP ${err.statusCode}`, true);
    return new PermanentFailure(`Slack HTTP ${err.statusCode}`);
  }
  if (err instanceof WebAPIRequestError)
    return new TransientFailure(`Slack unreachable: ${err.original.message}`, true);
  return new TransientFailure(`Slack call failed: ${(err as Error).message}`, true);
}
