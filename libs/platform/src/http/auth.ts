import { timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { BaseEnv } from '../config.js';
import { SERVICE_ENV } from '../definition.js';

const PUBLIC = 'baton:public';

/**
 * Opens a controller or route to requests without the API token: health, metrics, and webhooks
 * that carry a signature of their own (which the route verifies).
 */
export const Public = () => SetMetadata(PUBLIC, true);

/** `Authorization: Bearer <token>` exactly: the scheme is required, the token compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([^\s]+)$/.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Every HTTP route of every service requires the API token unless marked @Public(), or
 * BATON_API_AUTH says the ingress authenticates (`ingress`) or nothing does (`off`, local use).
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_ENV) private readonly env: BaseEnv,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.env.BATON_API_AUTH !== 'token') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (this.env.BATON_API_TOKEN && bearerMatches(request.headers.authorization, this.env.BATON_API_TOKEN))
      return true;
    throw new UnauthorizedException('a valid "Authorization: Bearer <BATON_API_TOKEN>" header is required');
  }
}
