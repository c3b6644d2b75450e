import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import { ReviewStore, type Period } from './review-store.js';
import type { ScoreReview } from './score-review.js';

export const REVIEW_STORE = Symbol('REVIEW_STORE');

const PeriodQuerySchema = z
  .object({
    from: z.iso.date().or(z.iso.datetime({ offset: true })),
    to: z.iso.date().or(z.iso.datetime({ offset: true })),
    bandWidth: z.coerce.number().positive().max(1000).default(10),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });

export function parsePeriod(query: Record<string, unknown>): Period & { bandWidth: number } {
  const q = PeriodQuerySchema.safeParse(query);
  if (!q.success)
    throw new BadRequestException(q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return { from: new Date(q.data.from), to: new Date(q.data.to), bandWidth: q.data.bandWidth };
}

/** The quarterly score review: conversion by score band, SQL -> opportunity, best threshold. */
@Controller('review')
export class ReviewController {
  constructor(@Inject(REVIEW_STORE) private readonly store: ReviewStore) {}

  @Get()
  review(@Query() query: Record<string, unknown>): Promise<ScoreReview> {
    const { bandWidth, ...period } = parsePeriod(query);
    return this.store.review(period, bandWidth);
  }
}
