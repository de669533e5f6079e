import { Injectable } from '@nestjs/common';
import { OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { LicenceExpiryNotices } from './licence-expiry-notices.service.js';

/** The daily check for licences expiring in 60 or 14 days (a recurring job of the worker role). */
@Injectable()
export class LicenceExpiryNoticesJob {
  constructor(private readonly notices: LicenceExpiryNotices) {}

  @OnJob(JobName.LicenceExpiryNotices)
  run() {
    return this.notices.send();
  }
}
