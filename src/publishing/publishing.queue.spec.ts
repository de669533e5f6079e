import type { Queue } from 'bullmq';
import { PublishingQueue } from './publishing.queue.js';

/** A queue whose every `add` waits until the test settles it. */
function controlledQueue() {
  const adds: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const queue = {
    add: () =>
      new Promise((resolve, reject) => {
        adds.push({ resolve: () => resolve({ id: `job-${adds.length}` }), reject });
      }),
  } as unknown as Queue;
  return { queue, adds };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PublishingQueue.syncDirectory (shared enqueues)', () => {
  it('enqueues once for one caller', async () => {
    const { queue, adds } = controlledQueue();
    const publishing = new PublishingQueue(queue);
    const done = publishing.syncDirectory();
    expect(adds).toHaveLength(1);
    adds[0].resolve();
    await done;
  });

  it('never lets a caller share an enqueue that started before it was called', async () => {
    const { queue, adds } = controlledQueue();
    const publishing = new PublishingQueue(queue);
    const first = publishing.syncDirectory();
    let laterDone = false;
    const later = publishing.syncDirectory().then(() => {
      laterDone = true;
    });
    expect(adds).toHaveLength(1);
    adds[0].resolve();
    await first;
    await flush();
    // The first enqueue may have been read before the later caller's commit: it must wait for another one.
    expect(laterDone).toBe(false);
    expect(adds).toHaveLength(2);
    adds[1].resolve();
    await later;
    expect(laterDone).toBe(true);
  });

  it('lets every caller arriving during one enqueue share the next one (one waits, one runs)', async () => {
    const { queue, adds } = controlledQueue();
    const publishing = new PublishingQueue(queue);
    const first = publishing.syncDirectory();
    const waiting = [publishing.syncDirectory(), publishing.syncDirectory(), publishing.syncDirectory()];
    adds[0].resolve();
    await first;
    await flush();
    expect(adds).toHaveLength(2);
    adds[1].resolve();
    await Promise.all(waiting);
    expect(adds).toHaveLength(2);
    // Quiet again: the next caller enqueues at once.
    const after = publishing.syncDirectory();
    expect(adds).toHaveLength(3);
    adds[2].resolve();
    await after;
  });

  it('still enqueues for the waiting callers when the running enqueue fails', async () => {
    const { queue, adds } = controlledQueue();
    const publishing = new PublishingQueue(queue);
    const first = publishing.syncDirectory();
    const later = publishing.syncDirectory();
    adds[0].reject(new Error('redis down'));
    await expect(first).rejects.toThrow('redis down');
    await flush();
    expect(adds).toHaveLength(2);
    adds[1].resolve();
    await expect(later).resolves.toBeUndefined();
  });
});
