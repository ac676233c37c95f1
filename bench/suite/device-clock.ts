/**
 * Loaded by the `emulator-timed` profile of bench/suite/cucumber.cjs only (never by the project's
 * profiles). It instruments the VirtualClock from outside, without changing product code:
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
import { VirtualClock } from '../../src/time/virtual-clock';

interface Entry {
  at: number;
  name: string;
}
interface ClockInternals {
  time: number;
  fire(entry: Entry): void;
}

const proto = VirtualClock.prototype as unknown as ClockInternals;
const paced = process.env.OQS_BENCH_PACED === '1';
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let deviceMs = 0;
let sleptMs = 0;

const originalFire = proto.fire;
if (typeof originalFire !== 'function') {
  throw new Error('bench/suite/device-clock.ts: VirtualClock.prototype.fire is gone; update the bench to the clock');
}
proto.fire = function (this: ClockInternals, entry: Entry) {
  const wait = Math.max(0, entry.at - this.time);
  deviceMs += wait;
  if (paced && wait > 0) {
    const t0 = performance.now();
    Atomics.wait(sleeper, 0, 0, wait);
    sleptMs += performance.now() - t0;
  }
  originalFire.call(this, entry);
};

const scenarios: Array<{ uri: string; name: string; deviceMs: number; wallMs: number; status: string }> = [];
let startDevice = 0;
let startWall = 0;

Before(function () {
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
  const out = process.env.OQS_BENCH_DEVICE_TIME_OUT;
  if (!out) return;
  writeFileSync(out, JSON.stringify({ paced, totalDeviceMs: deviceMs, sleptMs: Math.round(sleptMs), scenarios }, null, 2) + '\n');
});
