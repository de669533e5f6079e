/** Polls until `check` returns a truthy value, or fails with the last value after the deadline. */
export async function eventually<T>(
  check: () => Promise<T>,
  what: string,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
