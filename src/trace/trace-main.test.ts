import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { serializeTrace } from './format';
import { matchErrorFlow, recording } from './test-recording';
import { runTrace } from './trace-main';

// ---- oqs-reader trace FILE ----------------------------------------------------------------------

test('runTrace prints a trace file, with --raw and --no-color, and refuses bad usage and bad files', async (t) => {
  const r = await recording(t);
  await matchErrorFlow(r);
  const dir = mkdtempSync(join(tmpdir(), 'oqs-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.ndjson');
  writeFileSync(file, r.recorder.toNdjson());
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await runTrace(argv, (s) => out.push(s));
    return { code, text: out.join('\n') };
  };
  const plain = await run(file, '--no-color');
  expect(plain.code).to.equal(0);
  expect(plain.text).to.include('# test flow');
  expect(plain.text).to.include('screen=4 照合エラー');
  expect(plain.text).not.to.include('\x1b[');
  expect(plain.text.split('\n')).to.have.length(r.recorder.frames.length + 2);
  const raw = await run('--raw', '--no-color', file);
  expect(raw.text).to.include(`[${r.recorder.frames[0]!.hex}]`);
  // Colours as Node decides for stdout (a pipe here): none unless FORCE_COLOR (src/cli.test.ts: TTY, TERM=dumb).
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  try {
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = '1';
    expect((await run(file)).text).to.include('\x1b[');
    delete process.env.FORCE_COLOR;
    process.env.NO_COLOR = '1';
    expect((await run(file)).text).not.to.include('\x1b[');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const help = await run('--help');
  expect(help.code).to.equal(0);
  expect(help.text).to.match(/^usage: oqs-reader trace FILE/);
  expect((await run()).code).to.equal(2);
  expect((await run(file, file)).text).to.include('give exactly one trace FILE');
  const unknown = await run(file, '--colour');
  expect(unknown.code).to.equal(2);
  expect(unknown.text).to.match(/^oqs-reader trace: .*--colour/);
  const missing = await run(join(dir, 'nope.ndjson'));
  expect(missing.code).to.equal(1);
  expect(missing.text).to.match(/nope\.ndjson: ENOENT/);
  const broken = join(dir, 'broken.ndjson');
  writeFileSync(broken, r.recorder.toNdjson().replace(/"dir":"r2h"/, '"dir":"sideways"'));
  const bad = await run(broken);
  expect(bad.code).to.equal(1);
  expect(bad.text).to.match(/broken\.ndjson: trace line \d+: "dir" must be "h2r" or "r2h"/);
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, serializeTrace({ header: { trace: 1, startedAt: '2026-11-24T01:00:00.000Z', title: 'nothing', readers: [] }, frames: [] }));
  const none = await run(empty);
  expect(none).to.deep.equal({ code: 0, text: '# nothing — started 2026-11-24T01:00:00.000Z, 0 frames' });
});
