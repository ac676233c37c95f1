import { test } from 'node:test';
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyRecord } from '../scripts/kill-history';
import { startProduct } from './main';

// Upgrading a terminal: `start` on a state directory an earlier version left (records.ndjson,
// mode-changes.ndjson) imports it, says so, and serves the records through the API.
test('start on an earlier version’s state directory imports its journals, says so once, and the API pages them', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-start-migrate-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const end = Date.parse('2026-11-30T03:00:00.000Z');
  const records = Array.from({ length: 1200 }, (_, n) => historyRecord(n, 1200, end));
  writeFileSync(join(state, 'records.ndjson'), records.map((r) => JSON.stringify(r) + '\n').join(''));
  const change = { from: 'unattended', to: 'pinOnly', by: 'admin', at: '2026-11-01T00:00:00.000Z' };
  writeFileSync(join(state, 'mode-changes.ndjson'), JSON.stringify(change) + '\n');
  writeFileSync(join(state, 'mode.json'), '{"mode":"pinOnly"}\n');
  const start = async (lines: string[]) =>
    startProduct({
      host: '127.0.0.1',
      port: 0,
      baudRate: 115200,
      stateDir: state,
      timeScale: 0,
      noReader: true,
      adminPassword: 'migrate-test-admin',
      quiet: true,
      log: (l) => lines.push(l),
    });

  const first: string[] = [];
  const product = await start(first);
  try {
    expect(first).to.include('records: imported 1200 record lines and 1 mode changes from records.ndjson and mode-changes.ndjson (kept as *.imported)');
    expect(existsSync(join(state, 'records.ndjson'))).to.equal(false);
    expect(existsSync(join(state, 'records.ndjson.imported'))).to.equal(true);
    const auth = { authorization: `Basic ${Buffer.from('admin:migrate-test-admin').toString('base64')}` };
    const page = await product.app.inject({ method: 'GET', url: `/api/records?from=${encodeURIComponent(records[0]!.finishedAt)}&limit=2`, headers: auth });
    expect(page.statusCode, page.body).to.equal(200);
    expect((JSON.parse(page.body) as { records: Array<{ id: string }> }).records.map((r) => r.id)).to.deep.equal(['HIST-0001:1', 'HIST-0001:2']);
    expect(product.terminal.modeChanges()).to.deep.equal([change]);
  } finally {
    await product.close();
  }
  const second: string[] = [];
  const again = await start(second);
  await again.close();
  expect(second.filter((l) => l.startsWith('records: imported'))).to.deep.equal([]);
});
