/**
 * Group commit for concurrent calls of one kind of work: a call made while a group is running waits and runs with
 * the next group, so a process running many jobs at once (a BullMQ worker's concurrency) does the work of several
 * calls in one round of statements and one commit instead of one each. A call alone runs at once, as a group of
 * one. At most one group runs at a time per instance; groups hold at most `maxGroup` calls.
 *
 * `run` answers one result per input, in their order. If it throws, every call of that group receives the error.
 */
export class GroupedCalls<I, O> {
  private waiting: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxGroup: number,
  ) {
    if (!Number.isInteger(maxGroup) || maxGroup < 1) throw new Error(`maxGroup must be a positive integer`);
  }

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, this.maxGroup);
        try {
          const outputs = await this.run(group.map((call) => call.input));
          if (outputs.length !== group.length) {
            throw new Error(`a group of ${group.length} calls answered ${outputs.length} results`);
          }
          group.forEach((call, index) => call.resolve(outputs[index]));
        } catch (error) {
          group.forEach((call) => call.reject(error));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
