import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';

/**
 * Validates a path or query parameter (or a query object) with a zod schema: bad input is a 400
 * naming the parameter, never a 500 from a store. `@Param('leadId', new ZodParam(LeadIdParam))`.
 */
@Injectable()
export class ZodParam<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly name?: string,
  ) {}

  transform(value: unknown, metadata: { data?: string }): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const what = this.name ?? metadata.data ?? 'parameter';
    throw new BadRequestException(
      result.error.issues.map((i) => `${[what, ...i.path].join('.')}: ${i.message}`).join('; '),
    );
  }
}

/** Printable text of bounded length: no NUL, no control characters, no lone surrogates. */
export function textParam(max = 200) {
  return z
    .string()
    .min(1, 'is empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'contains control characters')
    .refine((s) => s.isWellFormed(), 'is not well-formed Unicode');
}

/** A Baton lead id (`hubspot:contact:51`, `salesforce:Lead:00Q…`). */
export const LeadIdParam = textParam(200).pipe(
  z
    .string()
    .regex(/^(hubspot|salesforce):[A-Za-z]+:[A-Za-z0-9_-]+$/, 'is not a lead id like hubspot:contact:51'),
);

/** An ISO 8601 date or date-time in a query string. */
export const IsoDateParam = textParam(40).pipe(
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not an ISO 8601 date'),
);
