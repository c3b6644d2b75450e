import { Controller, Get, Header, HttpCode, HttpException, Inject, Param, Post } from '@nestjs/common';
import { CLOCK, Public, SERVICE_ENV, ZodParam, textParam, type Clock } from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { DeliveryStore } from '../database/delivery.store.js';
import { RepActionsService } from './rep-actions.service.js';
import { verifyLink } from './signed-link.js';

const WORDS = {
  accepted: 'Accept',
  call_logged: 'Log a call',
  not_mine: 'Not mine',
  reassign_requested: 'Reassign',
};

function page(title: string, body: string): string {
  const e = (t: string) =>
    t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${e(title)}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>${e(title)}</h1>${body}</body></html>`;
}

/**
 * The signed action links of Teams cards and e-mails. Public: the HMAC-signed, expiring token is
 * the credential. GET only shows a confirmation (mail scanners and link previews open links; an
 * action must not happen by itself), the form's POST records it.
 */
@Controller('actions')
export class ActionLinkController {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly actions: RepActionsService,
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private async resolve(token: string) {
    const secret = this.env.NOTIFICATION_LINK_SECRET;
    const verdict = secret
      ? verifyLink(secret, token, this.clock.now())
      : ({ valid: false, reason: 'mismatch' } as const);
    if (!verdict.valid)
      throw new HttpException(
        verdict.reason === 'expired' ? 'this link has expired' : 'this link is not valid',
        verdict.reason === 'expired' ? 410 : 401,
      );
    const row = await this.deliveries.get(verdict.payload.d);
    if (!row) throw new HttpException('Baton does not know this alert', 404);
    return { row, action: verdict.payload.a };
  }

  @Public()
  @Get(':token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async confirm(@Param('token', new ZodParam(textParam(1024))) token: string): Promise<string> {
    const { action } = await this.resolve(token);
    return page(
      `${WORDS[action]}?`,
      `<form method="post"><button type="submit" style="font-size:1.2rem;padding:.5rem 1.5rem">${WORDS[action]}</button></form>`,
    );
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async act(@Param('token', new ZodParam(textParam(1024))) token: string): Promise<string> {
    const { row, action } = await this.resolve(token);
    const result = await this.actions.act(row, action, row.channel, String(this.clock.now().getTime()));
    if ('refused' in result) throw new HttpException(result.refused, 409);
    return page(WORDS[action], `<p>${result.message}</p>`);
  }
}
