import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { listen, send, until, type Listening } from './http.js';

/**
 * A real SMTP server in-process (nodemailer's `smtp-server`), each message read back with
 * `mailparser`, so tests assert on what crossed the wire: envelope, headers, DKIM signature,
 * bodies. Optionally an HTTP view of the inbox for the quickstart (`GET /messages`,
 * `GET /messages/<n>` as raw RFC 5322 text).
 *
 * Sources: https://nodemailer.com/extras/smtp-server/ (onData, authOptional),
 * https://nodemailer.com/extras/mailparser/ (simpleParser).
 */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  /** A header as sent (the first when repeated), lower-case name. */
  header(name: string): string | undefined;
  at: number;
}

export interface SmtpInbox {
  /** `smtp://127.0.0.1:<port>` (no TLS, any or no AUTH): the SMTP_URL of the sender. */
  url: string;
  port: number;
  /** The inbox over HTTP, when `httpPort` was given. */
  httpUrl?: string;
  messages: ReceivedMail[];
  /** The next `times` transactions are refused at DATA with this SMTP code (e.g. 451, 550). */
  failNext(code: number, times?: number): void;
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startSmtpInbox(
  opts: { port?: number; httpPort?: number; host?: string } = {},
): Promise<SmtpInbox> {
  const messages: ReceivedMail[] = [];
  const failures: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'Baton SMTP inbox',
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sandbox' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const code = failures.shift();
        if (code !== undefined) {
          const err = Object.assign(new Error(`refused on demand (${code})`), { responseCode: code });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const text = raw.toString('utf8');
            messages.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              raw: text,
              parsed,
              header: (name) => {
                const value = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
                return value?.slice(value.indexOf(':') + 1).trim();
              },
              at: Date.now(),
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let http: Listening | undefined;
  if (opts.httpPort !== undefined) {
    http = await listen(
      opts.httpPort,
      (req, res) => {
        const url = new URL(req.url ?? '/', 'http://inbox.local');
        const n = /^\/messages\/(\d+)$/.exec(url.pathname)?.[1];
        if (n !== undefined) {
          const m = messages[Number(n)];
          if (m) send(res, 200, m.raw);
          else send(res, 404, { error: `no message ${n}` });
          return;
        }
        send(
          res,
          200,
          messages.map((m, i) => ({
            n: i,
            from: m.parsed.from?.text,
            to: m.envelope.to,
            replyTo: m.parsed.replyTo?.text,
            subject: m.parsed.subject,
            date: m.parsed.date,
            text: m.parsed.text,
            raw: `/messages/${i}`,
          })),
        );
      },
      opts.host,
    );
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    httpUrl: http ? `http://127.0.0.1:${http.port}` : undefined,
    messages,
    failNext: (code, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(code);
    },
    waitFor: (check, timeoutMs = 30_000, what = 'the SMTP inbox') => until(check, timeoutMs, what),
    close: async () => {
      await http?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
