/**
 * Memory tests (*.memory.test.ts) measure what code KEEPS. Right after sockets close, their buffers
 * and handles are still held for a few turns of the event loop, longer on a loaded machine (the
 * unit-fuzz lane runs beside other steps): one sample then reads megabytes of "growth" that the next
 * turn frees. This waits the loop out and takes the least of a few samples, each after a full gc.
 */
export async function settledUse(gc: () => void, samples = 8): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < samples; i++) {
    for (let turn = 0; turn < 4; turn++) await new Promise((r) => setImmediate(r));
    gc();
    const m = process.memoryUsage();
    least = Math.min(least, m.heapUsed + m.arrayBuffers);
  }
  return least;
}
