import { ADD_CHUNK, ReminderBatch, reminderJobId, type ReminderJob } from './reminder-queue.js';

const reminder = (i: number) => ({
  job: { articleId: `a${i}`, signOffId: `s${i}`, kind: 'due' } satisfies ReminderJob,
  at: new Date(i),
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => reminder(from + i));

/** A fake Redis: which ids exist, every lookup and addBulk call, and how many addBulk calls are in flight. */
function fakeRedis(existing: Set<string>) {
  const lookups: number[] = [];
  const adds: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    lookups,
    adds,
    maxInFlight: () => maxInFlight,
    queued: async (jobIds: string[]) => {
      lookups.push(jobIds.length);
      await tick();
      return jobIds.map((id) => existing.has(id));
    },
    addBulk: async (jobs: { job: ReminderJob; at: Date }[]) => {
      adds.push(jobs.map(({ job }) => reminderJobId(job)));
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await tick();
      inFlight--;
      for (const { job } of jobs) existing.add(reminderJobId(job));
    },
  };
}

describe('ReminderBatch', () => {
  it('adds every job once, in chunks, at most two in flight, and stops looking up once a chunk has none queued', async () => {
    const redis = fakeRedis(new Set());
    const batch = new ReminderBatch(redis.queued, redis.addBulk);
    await batch.add(range(0, 2000));
    await batch.add(range(2000, 2100));
    await batch.done();

    expect(redis.adds.flat()).toEqual(range(0, 2100).map(({ job }) => reminderJobId(job)));
    expect(Math.max(...redis.adds.map((ids) => ids.length))).toBe(ADD_CHUNK);
    expect(redis.maxInFlight()).toBe(2);
    // The first two chunks are looked up (the second starts before the first's answer), then no more.
    expect(redis.lookups).toEqual([ADD_CHUNK, ADD_CHUNK]);
  });

  it('adds only the jobs not queued yet while chunks hold queued ones, then adds the rest without looking', async () => {
    const all = range(0, 4 * ADD_CHUNK);
    // A previous sweep queued the first chunk and a half, and one more job later on.
    const queuedBefore = [...all.slice(0, ADD_CHUNK + ADD_CHUNK / 2), all[3 * ADD_CHUNK + 1]].map(({ job }) =>
      reminderJobId(job),
    );
    const redis = fakeRedis(new Set(queuedBefore));
    const batch = new ReminderBatch(redis.queued, redis.addBulk);
    await batch.add(all);
    await batch.done();

    const added = redis.adds.flat();
    expect(added).toEqual(all.slice(ADD_CHUNK + ADD_CHUNK / 2).map(({ job }) => reminderJobId(job))); // the later one again too: addBulk skips it as its script does any id already queued
    expect(redis.lookups).toEqual([ADD_CHUNK, ADD_CHUNK, ADD_CHUNK]);
  });

  it('rejects with the first failure and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const batch = new ReminderBatch(
        (ids) => Promise.resolve(ids.map(() => false)),
        () => Promise.reject(new Error(`Redis down (${++calls})`)),
      );
      await expect(batch.add(range(0, 3 * ADD_CHUNK))).rejects.toThrow('Redis down (1)');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
