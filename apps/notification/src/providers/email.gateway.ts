import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { SERVICE_ENV } from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { PermanentFailure, TransientFailure } from '../delivery/failures.js';

export interface OutgoingMail {
  from: string | { name: string; address: string };
  replyTo?: string | { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Set by Baton from the delivery id, so the same delivery always has the same Message-ID. */
  messageId: string;
  headers?: Record<string, string>;
}

/**
 * E-mail through nodemailer over SMTP_URL (the customer's relay, so mail "from the rep" passes
 * DMARC; or sign with a DKIM key their domain publishes: NOTIFICATION_DKIM_*). SMTP has no way to ask
 * whether an earlier attempt arrived: a crash between the DATA and the record can send twice; the
 * Message-ID is the same each time, which lets mail clients fold the copies.
 * https://nodemailer.com/smtp/, https://nodemailer.com/dkim/
 */
@Injectable()
export class EmailGateway implements OnApplicationShutdown {
  readonly enabled: boolean;
  private readonly transport?: Transporter;

  constructor(@Inject(SERVICE_ENV) env: NotificationEnv) {
    this.enabled = Boolean(env.SMTP_URL);
    if (!env.SMTP_URL) return;
    const dkim =
      env.NOTIFICATION_DKIM_DOMAIN && env.NOTIFICATION_DKIM_SELECTOR && env.NOTIFICATION_DKIM_PRIVATE_KEY
        ? {
            domainName: env.NOTIFICATION_DKIM_DOMAIN,
            keySelector: env.NOTIFICATION_DKIM_SELECTOR,
            privateKey: env.NOTIFICATION_DKIM_PRIVATE_KEY.replace(/\\n/g, '\n'),
          }
        : undefined;
    const url = new URL(env.SMTP_URL);
    this.transport = createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      ...(dkim ? { dkim } : {}),
    });
  }

  async send(mail: OutgoingMail): Promise<string> {
    if (!this.transport) throw new PermanentFailure('e-mail is not configured (SMTP_URL)');
    try {
      const info = (await this.transport.sendMail(mail)) as { messageId?: string; rejected?: unknown[] };
      if (info.rejected && info.rejected.length > 0)
        throw new PermanentFailure(`recipient refused: ${mail.to}`);
      return info.messageId ?? mail.messageId;
    } catch (err) {
      if (err instanceof PermanentFailure) throw err;
      const e = err as { responseCode?: number; code?: string; message: string };
      if (e.responseCode !== undefined && e.responseCode >= 500)
        throw new PermanentFailure(`SMTP ${e.responseCode}: ${e.message}`);
      // 4xx (greylisting, mailbox busy) and connection problems: later, maybe it got through (after DATA).
      throw new TransientFailure(
        `SMTP ${e.responseCode ?? e.code ?? 'error'}: ${e.message}`,
        e.responseCode === undefined,
      );
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
