import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { ZodParam, textParam } from '@baton/platform';
import { ScoreReviewService } from './score-review.service.js';
import type { ScoreReview } from './score-review.js';

/** A day (`2026-07-01`) or a date-time with its offset. */
export const ReviewDate = textParam(40).pipe(z.iso.date().or(z.iso.datetime({ offset: true })));

const PeriodQuery = z
  .object({
    from: ReviewDate,
    to: ReviewDate,
    bandWidth: z.coerce.number().positive().max(1000).default(10),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] })
  .transform((q) => ({ from: new Date(q.from), to: new Date(q.to), bandWidth: q.bandWidth }));

/** The quarterly score review: conversion by score band, SQL -> opportunity, best threshold. */
@Controller('review')
export class ReviewController {
  constructor(private readonly reviews: ScoreReviewService) {}

  @Get()
  review(
    @Query(new ZodParam(PeriodQuery, 'query')) query: z.infer<typeof PeriodQuery>,
  ): Promise<ScoreReview> {
    const { bandWidth, ...period } = query;
    return this.reviews.review(period, bandWidth);
  }
}
