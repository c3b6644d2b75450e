import {
  BadRequestException,
  Catch,
  HttpException,
  InternalServerErrorException,
  type ArgumentsHost,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { JsonLogger, describeError } from '@baton/observability';

/**
 * Postgres refusing what a request carried (text it cannot store, a malformed value): the
 * client's fault, a 400 — never a 500, and never the SQL or its parameters in the log.
 * 22P02 invalid text representation, 22021 character not in repertoire (NUL), 22P05
 * untranslatable character, 22001 string too long, 22003 numeric out of range, 22007/22008 dates.
 */
const CLIENT_DATA_ERRORS = new Set(['22P02', '22021', '22P05', '22001', '22003', '22007', '22008']);

const log = new JsonLogger('http');

/** Every service's HTTP errors: HttpExceptions as Nest answers them; bad data 400; anything else a logged 500. */
@Catch()
export class HttpErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || exception instanceof HttpException) return super.catch(exception, host);
    const code = (exception as { code?: unknown })?.code;
    const request = host.switchToHttp().getRequest<{ method?: string; route?: { path?: string } }>();
    const where = { method: request.method, route: request.route?.path };
    if (typeof code === 'string' && CLIENT_DATA_ERRORS.has(code)) {
      log.warn('request data refused by the database', { ...where, code });
      return super.catch(
        new BadRequestException('the request holds a value that cannot be stored or compared'),
        host,
      );
    }
    log.error('request failed', {
      ...where,
      error: exception instanceof Error ? describeError(exception) : String(exception),
    });
    return super.catch(new InternalServerErrorException(), host);
  }
}
