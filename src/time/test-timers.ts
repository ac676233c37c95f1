/**
 * For tests that device delays cost no real time: the delays of the real timers (global
 * setTimeout and setInterval, which RealClock uses) set while `fn` runs. An assertion on these is
 * exact, where one on elapsed wall time flakes on a loaded machine.
 */
export async function realTimerDelays<T>(fn: () => Promise<T>): Promise<{ result: T; delays: number[] }> {
  const delays: number[] = [];
  const { setTimeout: timeout, setInterval: interval } = globalThis;
  const spy = <F extends (cb: () => void, ms?: number) => unknown>(real: F) =>
    ((cb: () => void, ms?: number, ...args: unknown[]) => {
      delays.push(Number(ms ?? 0));
      return (real as unknown as (...a: unknown[]) => unknown)(cb, ms, ...args);
    }) as unknown as F;
  globalThis.setTimeout = Object.assign(spy(timeout), timeout);
  globalThis.setInterval = Object.assign(spy(interval), interval);
  try {
    return { result: await fn(), delays };
  } finally {
    globalThis.setTimeout = timeout;
    globalThis.setInterval = interval;
  }
}
