/**
 * Loaded by the `emulator-timed` profile of bench/suite/cucumber.cjs only (never by the project's
 * profiles). It watches each scenario's VirtualClock through its observer hook (`onFire`), without
 * changing product code:
 *
 * - Device time: every timer the clock fires moves virtual time forward; the sum of those moves
 *   in a scenario is the time a real reader would have spent (face capture, PIN verify, transient
 *   screens, command timeouts). `set()` ("today is …") is not counted: it is not waiting.
 * - OQS_BENCH_PACED=1: before firing a timer, the thread sleeps for the same amount of real time.
 *   The suite then runs at real device timing (time scale 1), every other step exactly as on the
 *   virtual clock. The clock fires a timer only once the process is otherwise idle (all of the
 *   emulator target's I/O is in memory), so sleeping there holds up nothing that a RealClock(1)
 *   would have let run. Atomics.wait sleeps without burning the CPU.
 *
 * Writes one JSON file (OQS_BENCH_DEVICE_TIME_OUT) with every scenario's device time.
 */
import { After, AfterAll, Before } from '@cucumber/cucumber';
import { writeFileSync } from 'node:fs';
import { VirtualClock, type FiredTimer } from '../../src/time/virtual-clock';
import type { ReaderWorld } from '../../steps/support/world';

const paced = process.env.OQS_BENCH_PACED === '1';
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let deviceMs = 0;
let sleptMs = 0;

function observe(timer: FiredTimer): void {
  deviceMs += timer.advancedMs;
  if (paced && timer.advancedMs > 0) {
    const t0 = performance.now();
    Atomics.wait(sleeper, 0, 0, timer.advancedMs);
    sleptMs += performance.now() - t0;
  }
}

const scenarios: Array<{ uri: string; name: string; deviceMs: number; wallMs: number; status: string }> = [];
let startDevice = 0;
let startWall = 0;
let stopObserving: () => void = () => undefined;

Before(function (this: ReaderWorld) {
  const clock = this.target.clock;
  // Only the emulator profiles run on a VirtualClock; anything else would measure nothing.
  if (!(clock instanceof VirtualClock)) throw new Error(`bench/suite/device-clock.ts: the ${this.target.name} target has no VirtualClock`);
  // The last scenario's clock is watched until now: timers its After hooks fire count in the total.
  stopObserving();
  stopObserving = clock.onFire(observe);
  startDevice = deviceMs;
  startWall = performance.now();
});

After(function ({ pickle, result }) {
  scenarios.push({
    uri: pickle.uri,
    name: pickle.name,
    deviceMs: deviceMs - startDevice,
    wallMs: Math.round((performance.now() - startWall) * 1000) / 1000,
    status: result?.status ?? 'UNKNOWN',
  });
});

AfterAll(function () {
  stopObserving();
  const out = process.env.OQS_BENCH_DEVICE_TIME_OUT;
  if (!out) return;
  writeFileSync(out, JSON.stringify({ paced, totalDeviceMs: deviceMs, sleptMs: Math.round(sleptMs), scenarios }, null, 2) + '\n');
});
