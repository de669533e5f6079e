import { type Job, UnrecoverableError } from 'bullmq';
import { dispatcher } from './job-handlers.js';
import { JobName, QueueName } from './queues.js';

describe('job dispatcher', () => {
  it('refuses to start when a job of the queue has no handler', () => {
    expect(() =>
      dispatcher(QueueName.Notifications, { [JobName.SendEmail]: () => Promise.resolve() }),
    ).toThrow(/no handler for job\(s\): relay-email-outbox/);
  });

  it('routes each job to its one handler and refuses unknown names without retry', async () => {
    const seen: string[] = [];
    const dispatch = dispatcher(QueueName.Notifications, {
      [JobName.SendEmail]: (job) => Promise.resolve(seen.push(`send ${job.id}`)),
      [JobName.RelayEmailOutbox]: () => Promise.resolve(seen.push('relay')),
    });
    await dispatch({ name: JobName.SendEmail, id: '1' } as Job);
    await dispatch({ name: JobName.RelayEmailOutbox, id: '2' } as Job);
    expect(seen).toEqual(['send 1', 'relay']);
    await expect(dispatch({ name: 'toString', id: '3' } as Job)).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
