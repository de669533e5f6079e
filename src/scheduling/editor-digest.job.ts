import { Injectable } from '@nestjs/common';
import { OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { EditorDigest } from './editor-digest.service.js';

/** The daily digest to the editors (a recurring job). */
@Injectable()
export class EditorDigestJob {
  constructor(private readonly digest: EditorDigest) {}

  @OnJob(JobName.EditorDigest)
  run() {
    return this.digest.digest();
  }
}
