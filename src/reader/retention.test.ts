import { test } from 'node:test';
import { expect } from 'chai';
import { VirtualClock } from '../time/virtual-clock';
import { syntheticRecord } from './test-records';
import { DEFAULT_RETENTION_DAYS, parseRetentionDays, RetentionJob, retentionCutoff, type RetentionRun } from './retention';
import { MemoryStore } from './store';

const DAY = 86_400_000;
// 2026-11-24 10:00 JST.
const NOW = Date.UTC(2026, 10, 24, 1, 0);

const record = (n: number, finishedAt: string) => syntheticRecord(n, finishedAt, { cardId: null, consent: null });

const ids = (store: MemoryStore) => [...store.records()].map((r) => r.id);

test('the cutoff is a JST midnight: a retention of N days keeps today and the N whole days before it', () => {
  expect(retentionCutoff(NOW, 1)).to.equal('2026-11-22T15:00:00.000Z'); // 11/23 00:00 JST
  // 23:59 JST on the 24th is still the 24th in Japan, though it is the 24th in UTC too; 00:30 JST on the 25th is not.
  expect(retentionCutoff(Date.UTC(2026, 10, 24, 14, 59), 1)).to.equal('2026-11-22T15:00:00.000Z');
  expect(retentionCutoff(Date.UTC(2026, 10, 24, 15, 30), 1)).to.equal('2026-11-23T15:00:00.000Z');
});

test('the default is five years, and a period that is not 1..36525 whole days is the coded refusal', () => {
  expect(DEFAULT_RETENTION_DAYS).to.equal(1827);
  expect(parseRetentionDays(undefined)).to.equal(1827);
  expect(parseRetentionDays('30')).to.equal(30);
  for (const bad of ['0', '-1', '1.5', 'forever', '', '36526', 0, 2.5])
    expect(() => parseRetentionDays(bad), String(bad))
      .to.throw()
      .with.property('code', 'OQS_ERR_RETENTION');
});

test('the job prunes records and mode changes past the period at start, then each day after midnight in Japan, on the clock', async () => {
  const clock = new VirtualClock(NOW);
  const store = new MemoryStore();
  // One record and one mode change on each of the last 5 days in Japan, at 12:00 JST.
  for (let d = 4; d >= 0; d--) {
    const at = new Date(NOW + 2 * 3600_000 - d * DAY).toISOString();
    store.saveRecord(record(d, at));
    store.saveMode('visual', { from: 'unattended', to: 'visual', by: 'kanri', at });
  }
  const runs: RetentionRun[] = [];
  const job = new RetentionJob({ store, clock, days: 2, onRun: (r) => runs.push(r) });
  const first = job.start();
  // Kept: today (the 24th, day 0) and the 2 days before (days 1, 2).
  expect(first).to.include({ records: 2, modeChanges: 2, before: '2026-11-21T15:00:00.000Z' });
  expect(ids(store)).to.deep.equal(['EMU-0001:2', 'EMU-0001:1', 'EMU-0001:0']);
  // Nothing more until just after the next midnight in Japan (14 h from 10:00 JST).
  await clock.advance(14 * 3600_000 - 1);
  expect(runs.length).to.equal(1);
  await clock.advance(5 * 60_000 + 1);
  expect(runs.length).to.equal(2);
  expect(runs[1]).to.include({ records: 1, modeChanges: 1 });
  expect(ids(store)).to.deep.equal(['EMU-0001:1', 'EMU-0001:0']);
  expect([...store.modeChanges()].length).to.equal(2);
  // And every day after.
  await clock.advance(DAY);
  expect(runs.length).to.equal(3);
  job.stop();
  await clock.advance(5 * DAY);
  expect(runs.length).to.equal(3);
});

test('a run the store fails is reported and tried again the next day; the job goes on', async () => {
  const clock = new VirtualClock(NOW);
  const store = new MemoryStore();
  store.saveRecord(record(1, '2020-01-01T00:00:00.000Z'));
  let fail = true;
  const prune = store.prune.bind(store);
  store.prune = (before) => {
    if (fail) throw new Error('disk full');
    return prune(before);
  };
  const errors: string[] = [];
  const job = new RetentionJob({ store, clock, days: 30, onError: (e) => errors.push(e.message) });
  expect(job.start()).to.equal(null);
  expect(errors).to.deep.equal(['disk full']);
  fail = false;
  await clock.advance(DAY);
  expect(job.last).to.include({ records: 1 });
  expect(ids(store)).to.deep.equal([]);
  job.stop();
});

test('the job never keeps a virtual clock busy', async () => {
  const clock = new VirtualClock(NOW);
  const job = new RetentionJob({ store: new MemoryStore(), clock });
  job.start();
  await clock.runUntilIdle();
  job.stop();
});
