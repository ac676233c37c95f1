/**
 * scripts/tally.cjs, the totals line CI reads: counts JUnit from node's reporter (checks reported
 * through scripts/lib/checks.ts included) and from cucumber, by parsing the XML.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countJunit } = require('./tally.cjs') as { countJunit: (xml: string) => { passed: number; failed: number; skipped: number } };
const TALLY = join(__dirname, 'tally.cjs');

test('cucumber JUnit: one <testsuite>, N/A scenarios skipped, a failed scenario failed, a ">" in a name is no end of tag', () => {
  const xml = `<?xml version="1.0"?>
<testsuite name="oqs-reader conformance" tests="4" skipped="1" failures="1">
  <testcase classname="f" name="a &lt;fingerprint> b" time="0.1"><system-out><![CDATA[前提 … passed]]></system-out></testcase>
  <testcase classname="f" name="n/a" time="0"><skipped/><system-out><![CDATA[<failure> in a step's text]]></system-out></testcase>
  <testcase classname="f" name="broken" time="0"><failure message="x"/></testcase>
  <testcase classname="f" name="plain"/>
</testsuite>`;
  expect(countJunit(xml)).to.deep.equal({ passed: 2, failed: 1, skipped: 1 });
});

test("node's junit reporter: checks reported through reportChecks, nested in a suite, beside a skip and a todo", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-tally-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'checks.test.ts');
  writeFileSync(
    file,
    `import { test } from 'node:test';
import { reportChecks } from ${JSON.stringify(join(__dirname, 'lib', 'checks'))};
test('a long run', async (t) => {
  await reportChecks(t, [
    { name: 'kept <everything>', ok: true, detail: '3 records' },
    { name: 'lost nothing', ok: false, detail: '1 lost', problems: ['EMU-0001:5 "lost" & gone'] },
  ]);
});
test('not here', { skip: 'no pty on this machine' }, () => undefined);
test('later', { todo: true });
`,
  );
  const out = join(dir, 'checks.xml');
  // Its own test run, not a part of this one (node:test tells its children so through the environment).
  const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
  const r = spawnSync(process.execPath, ['--require', 'ts-node/register', '--test-reporter=junit', `--test-reporter-destination=${out}`, file], {
    encoding: 'utf8',
    cwd: join(__dirname, '..'),
    env,
  });
  expect(r.status, r.stderr).to.equal(1);
  const xml = readFileSync(out, 'utf8');
  expect(countJunit(xml)).to.deep.equal({ passed: 1, failed: 1, skipped: 2 });
  expect(xml).to.contain('EMU-0001:5 "lost" &amp; gone'); // the problems, in the failure's text
});

test('the totals line: every file summed; a missing, malformed or empty file is one failure each; exit 1 on any failure', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-tally-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, xml: string) => (writeFileSync(join(dir, name), xml), join(dir, name));
  const good = write('good.xml', '<testsuites><testsuite name="s"><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite></testsuites>');
  const cut = write('cut.xml', '<testsuites><testsuite name="s"><testcase name="a"/>');
  const empty = write('empty.xml', '<testsuites></testsuites>');
  const failed = write(
    'failed.xml',
    '<testsuites><testsuite name="s"><testcase name="lost nothing"><failure message="1 &amp;quot;lost&amp;quot;&#10;EMU-0001:5">details</failure></testcase><testcase name="died"><error>\n  ECONNRESET\n</error></testcase></testsuite></testsuites>',
  );
  const run = (...files: string[]) => spawnSync(process.execPath, [TALLY, ...files], { encoding: 'utf8' });

  const ok = run(good, good);
  expect(ok.status).to.equal(0);
  expect(ok.stdout.trimEnd().split('\n').pop()).to.equal('Tests: 2 passed, 0 failed, 2 skipped');

  const bad = run(good, cut, empty, join(dir, 'missing.xml'));
  expect(bad.status).to.equal(1);
  expect(bad.stdout)
    .to.match(/cut\.xml cannot be read: not well-formed XML/)
    .and.match(/empty\.xml has no test cases/)
    .and.match(/missing\.xml is missing/);
  expect(bad.stdout.trimEnd().split('\n').pop()).to.equal('Tests: 1 passed, 3 failed, 1 skipped');

  // Failed cases are named with their message's first line, after the counts, so a log's tail says what failed.
  const named = run(good, failed);
  expect(named.status).to.equal(1);
  expect(named.stdout.trimEnd().split('\n').slice(-3)).to.deep.equal([
    `tally: failed in ${failed}: lost nothing — 1 "lost"`,
    `tally: failed in ${failed}: died — ECONNRESET`,
    'Tests: 1 passed, 2 failed, 1 skipped',
  ]);
});
