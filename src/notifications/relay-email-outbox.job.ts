import { Injectable } from '@nestjs/common';
import { OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { EmailOutboxRelay } from './email-outbox-relay.js';

/** The recurring relay that re-queues outbox rows whose job was lost. */
@Injectable()
export class RelayEmailOutboxJob {
  constructor(private readonly relay: EmailOutboxRelay) {}

  @OnJob(JobName.RelayEmailOutbox)
  run() {
    return this.relay.run();
  }
}
