import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { dispatcher, type JobHandlers } from './job-handlers.js';
import { jobHandlersOf } from './on-job.js';
import { JOB_QUEUE, type JobName, type QueueName } from './queues.js';

/**
 * Every @OnJob handler of the application, found among its providers. Each job name has exactly one: a second
 * one is a start-up error, and so (through `dispatcher`) is a job of a running queue that has none.
 */
@Injectable()
export class JobRegistry {
  private handlers?: Map<JobName, JobHandlers[JobName]>;

  constructor(private readonly discovery: DiscoveryService) {}

  private all(): Map<JobName, JobHandlers[JobName]> {
    if (this.handlers) return this.handlers;
    const found = new Map<JobName, JobHandlers[JobName]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as unknown;
      if (!instance || typeof instance !== 'object') continue;
      for (const { name, handler } of jobHandlersOf(instance)) {
        if (found.has(name)) throw new Error(`Job ${name} has two handlers; each job has exactly one`);
        found.set(name, handler);
      }
    }
    this.handlers = found;
    return found;
  }

  /** The dispatch function of a queue's worker; throws if a job of the queue has no handler. */
  dispatcherFor(queue: QueueName) {
    const handlers: JobHandlers = {};
    for (const [name, handler] of this.all()) {
      if (JOB_QUEUE[name] === queue) Object.assign(handlers, { [name]: handler });
    }
    return dispatcher(queue, handlers);
  }
}
