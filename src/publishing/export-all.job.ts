import { Injectable } from '@nestjs/common';
import { type JobOf, OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { DirectoryExportService, type ExportProgress } from './directory-export.service.js';

/** A directory export (incremental sync or full), reporting its progress on the job every 500 pages. */
@Injectable()
export class ExportAllJob {
  constructor(private readonly exporter: DirectoryExportService) {}

  @OnJob(JobName.ExportAll)
  run(job: JobOf<JobName.ExportAll>) {
    let reported = 0;
    return this.exporter.run({
      mode: job.data.mode,
      force: job.data.force,
      trigger: job.data.trigger,
      actorId: job.data.actorId,
      onProgress: (progress: ExportProgress) => {
        if (progress.phase !== 'done' && progress.done - reported < 500) return;
        reported = progress.done;
        job.updateProgress({ ...progress }).catch(() => undefined);
      },
    });
  }
}
