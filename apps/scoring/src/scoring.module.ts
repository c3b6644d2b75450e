import { Module } from '@nestjs/common';
import { LeadStore } from './database/lead.store.js';
import { ReviewStore } from './database/review.store.js';
import { LeadController } from './leads/lead.controller.js';
import { ReviewController } from './review/review.controller.js';
import { ScoreReviewService } from './review/score-review.service.js';
import { IntakeConsumer } from './scoring/intake.consumer.js';
import { ScoringEngine } from './scoring/scoring-engine.js';
import { SummarizerProvider } from './summary/summarizer.provider.js';

/** scoring's features: the intake consumer and its engine, the lead history and the score review. */
@Module({
  controllers: [IntakeConsumer, LeadController, ReviewController],
  providers: [LeadStore, ReviewStore, ScoringEngine, ScoreReviewService, SummarizerProvider],
})
export class ScoringModule {}
