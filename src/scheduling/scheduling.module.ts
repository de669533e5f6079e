import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from '../articles/articles.module.js';
import { whenWorker } from '../core/queues/worker-role.js';
import { ReviewsModule } from '../reviews/reviews.module.js';
import { SignOffsModule } from '../sign-offs/sign-offs.module.js';
import { EarlyReReviewService } from './early-re-review.service.js';
import { RecurringJobs } from './recurring-jobs.js';
import { ReviewPolicyService } from './review-policy.service.js';
import { ReviewSchedule } from './review-schedule.entity.js';
import { ReviewSchedulesService } from './review-schedules.service.js';
import { SchedulingController } from './scheduling.controller.js';
import { SchedulingProcessor } from './scheduling.processor.js';
import { SchedulerStatus } from './scheduler-status.js';
import { SpecialtyPolicy } from './specialty-policy.entity.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([ReviewSchedule, SpecialtyPolicy]),
    ArticlesModule,
    SignOffsModule,
    ReviewsModule,
  ],
  controllers: [SchedulingController],
  providers: [
    ReviewPolicyService,
    ReviewSchedulesService,
    EarlyReReviewService,
    SchedulerStatus,
    RecurringJobs,
    ...whenWorker(SchedulingProcessor),
  ],
  exports: [ReviewSchedulesService, EarlyReReviewService, SchedulerStatus],
})
export class SchedulingModule {}
