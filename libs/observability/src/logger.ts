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
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
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
      for (const [k, v] of Object.entries(fields))
        line[k] = v instanceof Error ? { name: v.name, message: v.message } : v;
    }
    JsonLogger.sink(JSON.stringify(line));
  }
}

function nestFields(rest: unknown[]): Record<string, unknown> | undefined {
  const context = rest.findLast((r) => typeof r === 'string');
  return context ? { context } : undefined;
}
