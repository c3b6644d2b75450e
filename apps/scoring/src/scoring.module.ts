import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeModule } from '@baton/platform';
import { LeadController } from './leads/lead.controller.js';
import { ReviewStore } from './review/review-store.js';
import { REVIEW_STORE, ReviewController } from './review/review.controller.js';
import type { ScoringService } from './scoring-service.js';

@Module({})
export class AppModule {
  static forService(service: ScoringService): DynamicModule {
    return {
      module: AppModule,
      imports: [RuntimeModule.forRuntime(service.runtime)],
      controllers: [ReviewController, LeadController],
      providers: [
        {
          provide: REVIEW_STORE,
          useFactory: () => new ReviewStore(service.runtime.db, service.engine.rules),
        },
      ],
    };
  }
}
