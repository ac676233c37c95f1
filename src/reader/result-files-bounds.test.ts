import { test } from 'node:test';
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../time/virtual-clock';
import { UnavailableEligibility } from './eligibility';
import { ResultFiles } from './result-files';
import type { Terminal } from './terminal';
import { syntheticRecord } from './test-records';

test('the result-file writer remembers only the most recent files, errors and records, however long it runs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-results-bounds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const terminal = Object.assign(new EventEmitter(), { clock }) as unknown as Terminal;
  const results = new ResultFiles(terminal, new UnavailableEligibility(), { dir, readerFailures: 'errorFile', keep: 5 });
  // Reader failures: a file each at once (no inquiry), the cheapest way to write many.
  const failed = (n: number) =>
    syntheticRecord(n, new Date(clock.now() + n).toISOString(), { outcome: 'failed', method: null, failReason: 'faceMismatch', consent: null });
  for (let n = 1; n <= 40; n++) {
    terminal.emit('event', { type: 'record', record: failed(n) }, n);
    // The same record again (an update published after it): still one file.
    terminal.emit('event', { type: 'record', record: failed(n) }, n);
  }
  await results.idle();
  expect(readdirSync(dir).filter((f) => f.endsWith('.xml'))).to.have.length(40);
  // The last five to finish (writes run side by side, so not necessarily the last five records).
  expect(results.written).to.have.length(5);
  expect(results.remembered, 'record ids remembered').to.be.at.most(5 * 4);
  await results.close();
});
