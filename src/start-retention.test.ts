import { test } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProduct } from './main';
import { FileStore } from './reader/store';
import { syntheticRecord } from './reader/test-records';
import { realTimerDelays } from './time/test-timers';
import { DEFAULT_LINK_TIMING } from '../simulator/link-device';

const NOW = Date.parse('2026-11-24T10:00:00+09:00');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

test('start --retention-days: history older than the period is deleted at start, records and mode changes alike, and the API no longer has it', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-start-retention-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const store = new FileStore(state);
  store.saveRecords([40, 31, 29, 1, 0].map((d) => syntheticRecord(d, daysAgo(d))));
  store.saveMode('visual', { from: 'unattended', to: 'visual', by: 'kanri', at: daysAgo(45) });
  store.saveMode('unattended', { from: 'visual', to: 'unattended', by: 'kanri', at: daysAgo(2) });
  store.close();
  const lines: string[] = [];
  // No reader: only the state directory matters here.
  const quietStart = { host: '127.0.0.1', port: 0, baudRate: 115200, timeScale: 0, noReader: true, quiet: true };
  const product = await startProduct({
    ...quietStart,
    stateDir: state,
    clockStart: NOW,
    retentionDays: 30,
    adminPassword: 'retention-test-admin',
    log: (l) => lines.push(l),
  });
  try {
    // Kept: from 2026-10-25 00:00 JST (30 whole days before today, the 24th, in Japan).
    expect(lines).to.include('retention: 30 days; 2 records and 1 mode changes before 2026-10-24T15:00:00.000Z deleted at start');
    const auth = `Basic ${Buffer.from('admin:retention-test-admin').toString('base64')}`;
    const get = async (url: string) =>
      (await product.app.inject({ method: 'GET', url, headers: { authorization: auth } })).json() as Record<string, Array<{ id?: string }>>;
    expect((await get('/api/records?limit=1000')).records!.map((r) => r.id)).to.deep.equal(['EMU-0001:29', 'EMU-0001:1', 'EMU-0001:0']);
    expect((await get('/api/mode-changes')).changes).to.have.length(1);
  } finally {
    await product.close();
  }
});

test('start --retention-days refuses a period that is not 1..36525 whole days, as a usage error', () => {
  for (const bad of ['0', 'forever', '1.5']) {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'oqs-reader.js'), 'start', '--retention-days', bad], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, bad).to.equal(2);
    expect(r.stderr, bad).to.include('--retention-days: the retention period must be a whole number of days from 1 to 36525');
  }
});

test('start --time-scale 0 speeds up the embedded reader only: the controller keeps real time, so the daily retention run waits for 00:05 JST instead of running in a loop', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-start-scale-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const { result: product, delays } = await realTimerDelays(() =>
    startProduct({
      host: '127.0.0.1',
      port: 0,
      baudRate: 115200,
      timeScale: 0,
      quiet: true,
      stateDir: state,
      clockStart: NOW,
      adminPassword: 'scale-test-admin',
      log: () => undefined,
    }),
  );
  try {
    // 10:00 JST: the next run is at 00:05 JST tomorrow, 14 h 5 min away (less the start's own milliseconds).
    const untilNextRun = 14 * 3_600_000 + 5 * 60_000;
    expect(delays.filter((ms) => ms > untilNextRun - 60_000 && ms <= untilNextRun)).to.have.length(1);
    expect(product.retention.runs).to.equal(1);
    // The embedded reader's device delays are instant, but its ACK waits are about the line: real
    // (docs/emulator.md), so an event is not sent again before the controller could answer it.
    const auth = `Basic ${Buffer.from('admin:scale-test-admin').toString('base64')}`;
    const placed = await realTimerDelays(() =>
      product.app.inject({
        method: 'POST',
        url: '/api/emulator/stimulus',
        headers: { authorization: auth },
        payload: { action: 'placeCard', profile: 'normal' },
      }),
    );
    expect(placed.result.statusCode, placed.result.body).to.equal(200);
    expect(placed.delays).to.include(DEFAULT_LINK_TIMING.ackTimeoutMs);
  } finally {
    await product.close();
  }
});
