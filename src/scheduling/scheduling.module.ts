import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from '../articles/articles.module.js';
import { whenWorker } from '../core/queues/worker-role.js';
import { ReviewsModule } from '../reviews/reviews.module.js';
import { SignOffsModule } from '../sign-offs/sign-offs.module.js';
import { EarlyReReviewService } from './early-re-review.service.js';
import { EditorDigestJob } from './editor-digest.job.js';
import { EditorDigest } from './editor-digest.service.js';
import { OverdueReviews } from './overdue-reviews.service.js';
import { ReReviewClock } from './re-review-clock.js';
import { ReReviewOpener } from './re-review-opener.js';
import { RecurringJobs } from './recurring-jobs.js';
import { ReminderQueue } from './reminder-queue.js';
import { ReviewReminderJob } from './review-reminder.job.js';
import { ReviewReminders } from './review-reminders.service.js';
import { ReviewSchedulesRepository } from './review-schedules.repository.js';
import { ReviewSweepJob } from './review-sweep.job.js';
import { ReviewSweep } from './review-sweep.service.js';
import { ReviewPolicyService } from './review-policy.service.js';
import { ReviewSchedule } from './review-schedule.entity.js';
import { SchedulingController } from './scheduling.controller.js';
import { SchedulingProcessor } from './scheduling.processor.js';
import { SchedulerStatus } from './scheduler-status.js';
import { SpecialtyPoliciesRepository } from './specialty-policies.repository.js';
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
    SpecialtyPoliciesRepository,
    ReviewSchedulesRepository,
    ReviewPolicyService,
    ReminderQueue,
    ReReviewClock,
    ReReviewOpener,
    ReviewSweep,
    ReviewReminders,
    OverdueReviews,
    EditorDigest,
    EarlyReReviewService,
    SchedulerStatus,
    RecurringJobs,
    ...whenWorker(ReviewSweepJob, ReviewReminderJob, EditorDigestJob, SchedulingProcessor),
  ],
  exports: [
    ReviewSweep,
    ReviewReminders,
    EditorDigest,
    SchedulerStatus,
    EarlyReReviewService,
    ReReviewClock,
    OverdueReviews,
    ReviewPolicyService,
  ],
})
export class SchedulingModule {}
