import type { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import { JobRegistry } from './job-registry.js';
import { type JobOf, OnJob } from './on-job.js';
import { JobName, QueueName } from './queues.js';

class SendEmailJob {
  readonly seen: string[] = [];
  @OnJob(JobName.SendEmail)
  run(job: JobOf<JobName.SendEmail>) {
    this.seen.push(job.data.outboxId);
    return Promise.resolve('sent');
  }
}
class RelayJob {
  @OnJob(JobName.RelayEmailOutbox)
  run() {
    return Promise.resolve('relayed');
  }
}

const registryOf = (...instances: object[]) =>
  new JobRegistry({
    getProviders: () => [...instances, null].map((instance) => ({ instance })),
  } as unknown as DiscoveryService);

describe('job registry (@OnJob)', () => {
  it('routes each job of a queue to the one method declared for it', async () => {
    const send = new SendEmailJob();
    const dispatch = registryOf(send, new RelayJob()).dispatcherFor(QueueName.Notifications);
    await expect(dispatch({ name: JobName.SendEmail, data: { outboxId: 'o1' } } as Job)).resolves.toBe('sent');
    await expect(dispatch({ name: JobName.RelayEmailOutbox, data: {} } as Job)).resolves.toBe('relayed');
    expect(send.seen).toEqual(['o1']);
  });

  it('refuses to start a queue with a job nobody handles', () => {
    expect(() => registryOf(new SendEmailJob()).dispatcherFor(QueueName.Notifications)).toThrow(
      /no handler for job\(s\): relay-email-outbox/,
    );
  });

  it('refuses a job with two handlers', () => {
    expect(() =>
      registryOf(new SendEmailJob(), new SendEmailJob(), new RelayJob()).dispatcherFor(QueueName.Notifications),
    ).toThrow(/send-email has two handlers/);
  });
});
