import { WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Injectable, Logger, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';

/**
 * Stops every BullMQ worker of the process, waiting for the jobs they are running, before anything else shuts
 * down. Nest closes each queue (and the database, and Redis) in its own module's shutdown hook, in module
 * order: without this, a reminder job still running in the scheduling worker commits its outbox row and then
 * finds the notifications queue already closed, so its email waits for the outbox relay instead of being sent.
 * `beforeApplicationShutdown` runs for every module before any `onApplicationShutdown`.
 */
@Injectable()
export class WorkersFirstShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    const workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .flatMap((host): Worker[] => {
        try {
          return [host.worker];
        } catch {
          return []; // never started (the process stopped during start-up)
        }
      });
    if (!workers.length) return;
    const started = Date.now();
    // Each stops taking jobs at once and resolves when the jobs it runs have finished.
    await Promise.all(workers.map((worker) => worker.close()));
    this.logger.log(`${workers.length} workers stopped in ${Date.now() - started} ms`);
  }
}

@Module({ imports: [DiscoveryModule], providers: [WorkersFirstShutdown] })
export class GracefulShutdownModule {}

/**
 * A job that does not finish keeps the process alive; the orchestrator's SIGKILL would then come without a
 * word. Exit first, saying so, a little before the usual 30 s grace period: the jobs still running go back to
 * BullMQ as stalled and run again on another worker.
 */
export const SHUTDOWN_DEADLINE_MS = 25_000;

export function exitIfShutdownHangs(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  for (const signal of signals) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(
          JSON.stringify({
            level: 'error',
            msg: `shutdown after ${signal} did not finish within ${SHUTDOWN_DEADLINE_MS} ms; exiting`,
          }),
        );
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}
