import type { JobsOptions } from 'bullmq';
import type { ExportJobData } from '../../publishing/publishing.queue.js';
import type { ReminderKind } from '../../scheduling/reminder-plan.js';

/** Every queue the service uses. */
export enum QueueName {
  Notifications = 'notifications',
  Scheduling = 'scheduling',
  Publishing = 'publishing',
}

/** Every job name; each has exactly one handler. */
export enum JobName {
  SendEmail = 'send-email',
  RelayEmailOutbox = 'relay-email-outbox',
  ReviewSweep = 'review-sweep',
  ReviewReminder = 'review-reminder',
  EditorDigest = 'editor-digest',
  ScheduledPublish = 'scheduled-publish',
  DeliverWebhook = 'deliver-webhook',
  ExportAll = 'export-all',
  LicenceExpiryNotices = 'licence-expiry-notices',
}

/** What each job carries: one payload type per job name. */
export interface JobPayloads {
  [JobName.SendEmail]: { outboxId: string };
  [JobName.RelayEmailOutbox]: Record<string, never>;
  [JobName.ReviewSweep]: Record<string, never>;
  [JobName.ReviewReminder]: { articleId: string; signOffId: string; kind: ReminderKind };
  [JobName.EditorDigest]: Record<string, never>;
  [JobName.ScheduledPublish]: { articleId: string; publishAt: string };
  [JobName.DeliverWebhook]: { deliveryId: string };
  [JobName.ExportAll]: ExportJobData;
  [JobName.LicenceExpiryNotices]: Record<string, never>;
}
export type JobPayload<N extends JobName> = JobPayloads[N];

/** Which queue each job runs on. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.SendEmail]: QueueName.Notifications,
  [JobName.RelayEmailOutbox]: QueueName.Notifications,
  [JobName.ReviewSweep]: QueueName.Scheduling,
  [JobName.ReviewReminder]: QueueName.Scheduling,
  [JobName.EditorDigest]: QueueName.Scheduling,
  [JobName.ScheduledPublish]: QueueName.Publishing,
  [JobName.DeliverWebhook]: QueueName.Publishing,
  [JobName.ExportAll]: QueueName.Publishing,
  [JobName.LicenceExpiryNotices]: QueueName.Scheduling,
};

const retrying: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** All job options (retries, backoff, retention) are decided here, per job name. */
export function jobOptions(name: JobName, overrides: JobsOptions = {}): JobsOptions {
  switch (name) {
    case JobName.SendEmail:
    case JobName.DeliverWebhook:
      return { ...retrying, ...overrides };
    case JobName.ReviewSweep:
    case JobName.RelayEmailOutbox:
    case JobName.EditorDigest:
    case JobName.LicenceExpiryNotices:
      return {
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: 50,
        removeOnFail: 50,
        ...overrides,
      };
    default:
      return { ...retrying, attempts: 5, ...overrides };
  }
}
