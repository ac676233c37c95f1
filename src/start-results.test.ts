import { test } from 'node:test';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResult } from '../steps/support/result-folder';
import { startProduct } from './main';
import { WatchedProcess } from './util/child-lines';

/** Waits on a condition (device time runs at --time-scale 0: no delays), bounded in wall time. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !ok();) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('start --result-dir with the embedded emulator: a patient through the API gives one result file from the emulated eligibility service', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-start-results-'));
  const results = join(state, 'OQS', 'Face'); // made by the product
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const lines: string[] = [];
  const product = await startProduct({
    host: '127.0.0.1',
    port: 0,
    baudRate: 115200,
    stateDir: state,
    timeScale: 0,
    resultDir: results,
    adminPassword: 'results-test-admin',
    quiet: true,
    log: (l) => lines.push(l),
  });
  try {
    expect(lines.join('\n')).to.include(`result files for the レセコン: ${results} (UTF-8, eligibility emulated)`);
    const auth = `Basic ${Buffer.from('admin:results-test-admin').toString('base64')}`;
    const act = async (body: object) => {
      const r = await product.app.inject({
        method: 'POST',
        url: '/api/emulator/stimulus',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: body,
      });
      expect(r.statusCode, r.body).to.equal(200);
    };
    await act({ action: 'placeCard', profile: 'certRecentlyExpired' });
    await until('the reader offers the methods', () => product.terminal.status().readers[0]?.screen === 'chooseMethod');
    await act({ action: 'chooseMethod', method: 'face' });
    await act({ action: 'presentFace' });
    await until('the identity is confirmed', () => product.terminal.records().some((r) => r.outcome === 'confirmed'));
    await act({ action: 'answerConsent', choice: 'all' });
    await until('the result file is written', () => (product.assembly.results?.written.length ?? 0) === 1);
    const files = readdirSync(results);
    expect(files).to.have.length(1);
    const xml = parseResult(readFileSync(join(results, files[0]!)));
    expect(xml.XmlMsg.MessageHeader).to.include({ SegmentOfResult: '1', CharacterCodeIdentifier: '0' });
    expect(xml.XmlMsg.MessageBody).to.include({ ProcessingResultStatus: '1', QualificationValidity: '1', ProcessingResultCode: 'W0002' });
  } finally {
    await product.close();
  }
});

test('from outside: `oqs-reader start --result-dir DIR` (compiled bin), a patient through the HTTP API, one result file in DIR', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-start-results-cli-'));
  const results = join(state, 'face');
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const bin = join(__dirname, '..', 'bin', 'oqs-reader.js');
  const child = WatchedProcess.node([bin, 'start', '--port', '0', '--state-dir', state, '--time-scale', '0', '--result-dir', results], {
    env: { ...process.env, OQS_ADMIN_PASSWORD: 'results-cli-admin' },
  });
  t.after(() => child.kill('SIGTERM'));
  const url = (await child.line(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000, 'oqs-reader start listening'))[1]!;
  expect(child.lines.join('\n')).to.include(`result files for the レセコン: ${results}`);
  const auth = `Basic ${Buffer.from('admin:results-cli-admin').toString('base64')}`;
  const call = async (method: string, path: string, body?: object) => {
    const r = await fetch(url + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const text = await r.text();
    expect(r.status, text).to.equal(200);
    return JSON.parse(text) as { readers?: Array<{ screen: string | null }> };
  };
  const status = () => call('GET', '/api/status');
  const untilScreen = async (screen: string) => {
    for (const deadline = Date.now() + 10_000; (await status()).readers?.[0]?.screen !== screen;) {
      if (Date.now() > deadline) throw new Error(`the reader did not show ${screen}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  await call('POST', '/api/emulator/stimulus', { action: 'placeCard', profile: 'normal' });
  await untilScreen('chooseMethod');
  await call('POST', '/api/emulator/stimulus', { action: 'chooseMethod', method: 'face' });
  await call('POST', '/api/emulator/stimulus', { action: 'presentFace' });
  await untilScreen('consent');
  await call('POST', '/api/emulator/stimulus', { action: 'answerConsent', choice: 'all' });
  await until('the file is in the folder', () => existsSync(results) && readdirSync(results).some((f) => f.endsWith('.xml')));
  const files = readdirSync(results);
  expect(files, 'one whole file and nothing else').to.have.length(1);
  const xml = parseResult(readFileSync(join(results, files[0]!)));
  expect(xml.XmlMsg.MessageHeader).to.include({ SegmentOfResult: '1' });
  expect(xml.XmlMsg.MessageBody).to.include({ QualificationValidity: '1' });
});
