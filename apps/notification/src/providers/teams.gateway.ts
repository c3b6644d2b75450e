import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_ENV } from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { PermanentFailure, RetryLater, TransientFailure } from '../delivery/failures.js';

/**
 * A Teams Workflows webhook (Office 365 connectors are retired): one POST per card. The flow's
 * owner chose the channel; the rep is @mentioned in the card. The URL carries its `sig=` and is
 * never logged. Workflows answers 202 and gives no message id, and cannot be asked whether an
 * earlier post arrived: a crash between the POST and the record can post twice (see the README).
 */
@Injectable()
export class TeamsGateway {
  readonly enabled: boolean;
  private readonly url?: string;

  constructor(@Inject(SERVICE_ENV) env: NotificationEnv) {
    this.url = env.TEAMS_WEBHOOK_URL;
    this.enabled = Boolean(this.url);
  }

  async post(message: Record<string, unknown>): Promise<void> {
    if (!this.url) throw new PermanentFailure('Teams is not configured (TEAMS_WEBHOOK_URL)');
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(10_000),
        redirect: 'error',
      });
    } catch (err) {
      throw new TransientFailure(`Teams webhook unreachable: ${(err as Error).message}`, true);
    }
    const detail = (await res.text().catch(() => '')).slice(0, 300);
    if (res.ok) return;
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after'));
      throw new RetryLater(
        (Number.isFinite(after) && after > 0 ? after : 5) * 1000,
        'Teams webhook throttled (429)',
      );
    }
    if (res.status >= 500 || res.status === 408)
      throw new TransientFailure(`Teams webhook HTTP ${res.status}`, true);
    throw new PermanentFailure(`Teams webhook HTTP ${res.status}: ${detail}`);
  }
}
