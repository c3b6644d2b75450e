import { currentContext } from './context.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(v: string): v is LogLevel {
  return v in ORDER;
}

/**
 * Structured JSON logs, one object per line, carrying the lead id and trace id of the
 * unit of work in progress. Implements the shape of Nest's LoggerService so it can be
 * the application logger too.
 */
export class JsonLogger {
  private static level: LogLevel = 'info';
  private static sink: (line: string) => void = (line) => process.stdout.write(line + '\n');

  static configure(opts: { level?: LogLevel; sink?: (line: string) => void }): void {
    if (opts.level) JsonLogger.level = opts.level;
    if (opts.sink) JsonLogger.sink = opts.sink;
  }

  constructor(private readonly component: string) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  // Nest also calls warn/error with (message: unknown, ...stackOrContext): an error object as the
  // message is described, never dumped (a database error carries the SQL and its parameters).
  warn(msg: unknown, fields?: Record<string, unknown> | string, ...rest: unknown[]): void {
    this.write('warn', ...normalise(msg, fields, rest));
  }
  error(msg: unknown, fields?: Record<string, unknown> | string, ...rest: unknown[]): void {
    this.write('error', ...normalise(msg, fields, rest));
  }

  // Nest LoggerService surface (context arrives as the last string argument).
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', String(message), nestFields(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', String(message), nestFields(rest));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', String(message), nestFields(rest));
  }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[JsonLogger.level]) return;
    const ctx = currentContext();
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      component: this.component,
      msg,
    };
    if (ctx.leadId) line.leadId = ctx.leadId;
    if (ctx.traceId) line.traceId = ctx.traceId;
    if (ctx.eventId) line.eventId = ctx.eventId;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) line[k] = v instanceof Error ? describeError(v) : v;
    }
    JsonLogger.sink(JSON.stringify(line));
  }
}

function nestFields(rest: unknown[]): Record<string, unknown> | undefined {
  const context = rest.findLast((r) => typeof r === 'string');
  return context ? { context } : undefined;
}

/** What a log line keeps of an error: its name, message and code (no SQL, no parameters, no stack). */
export function describeError(e: Error): Record<string, unknown> {
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}

function normalise(
  msg: unknown,
  fields: Record<string, unknown> | string | undefined,
  rest: unknown[],
): [string, Record<string, unknown> | undefined] {
  const extra: Record<string, unknown> =
    fields && typeof fields === 'object' ? { ...fields } : (nestFields([fields, ...rest]) ?? {});
  let text: string;
  if (typeof msg === 'string') text = msg;
  else if (msg instanceof Error) {
    text = msg.message || msg.name;
    extra.error = describeError(msg);
  } else if (msg && typeof msg === 'object') {
    const m = msg as { message?: unknown; code?: unknown };
    text = typeof m.message === 'string' ? m.message : typeof m.code === 'string' ? m.code : 'error';
    if (typeof m.code === 'string') extra.code = m.code;
  } else text = String(msg);
  return [text, Object.keys(extra).length > 0 ? extra : undefined];
}
