import { After, Given, Then, type DataTable } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { screenCode, type ScreenName } from '../src/protocol';
import { fileIdOf, jstStamp } from '../src/reader/result-files';
import { decodeResult, firstResult, parseResult, pollFolder, privateDataIn, type ResultXml } from './support/result-folder';
import { requireNotStarted } from './support/visit';
import { SCENARIO_PINS } from './support/vocabulary';
import type { ReaderWorld } from './support/world';

// Result files for the レセコン (docs/result-files.md). Every file a scenario's terminal writes is
// parsed with a standard XML parser (fast-xml-parser) and its header checked field by field in the
// After hook below, whatever the scenario itself asserts.

function resultDir(world: ReaderWorld): string {
  const dir = world.install.results?.dir;
  if (!dir)
    throw new Error(
      '結果ファイルの出力先がありません: 「レセコン向けの結果ファイルを出力する設定である」を前提に加えてください / no result folder: add the Given step first',
    );
  return dir;
}

/**
 * The files this scenario's terminal wrote, oldest first, parsed. `atLeast`: how many the step
 * expects, which a product in another process is given time to write.
 */
async function files(world: ReaderWorld, atLeast = 0): Promise<Array<{ path: string; bytes: Buffer; xml: ResultXml }>> {
  resultDir(world);
  await world.terminal();
  // Everything the last act caused has arrived and every file it started is on disk.
  await world.target.settle(Promise.resolve());
  const paths = await world.target.resultFiles?.(atLeast);
  if (!paths) throw new Error(`target ${world.target.name} cannot list result files (tag the scenario @result-files)`);
  return paths.map((path) => {
    const bytes = readFileSync(path);
    return { path, bytes, xml: parseResult(bytes) };
  });
}

async function latest(world: ReaderWorld) {
  const all = await files(world, 1);
  const last = all.at(-1);
  if (!last) throw new Error('結果ファイルが出力されていません / no result file was written');
  return last;
}

/** A field by name: in the header, the body, or the first ResultOfQualificationConfirmation. */
function field(xml: ResultXml, name: string): string | undefined {
  const h = xml.XmlMsg.MessageHeader[name];
  if (h !== undefined) return h;
  const b = xml.XmlMsg.MessageBody?.[name];
  if (typeof b === 'string') return b;
  return firstResult(xml)?.[name];
}

const HEADER_FORMATS: Array<[string, RegExp]> = [
  ['ProcessExecutionTime', /^\d{14}$/],
  ['QualificationConfirmationDate', /^\d{8}$/],
  ['ReferenceClassification', /^1$/],
  ['SegmentOfResult', /^[129]$/],
  ['ArbitraryFileIdentifier', /^[0-9A-F]{16}$/],
  ['MedicalInstitutionCode', /^\d{10}$/],
  ['CharacterCodeIdentifier', /^[01]$/],
];

/** What every result file must be, checked field by field (docs/result-files.md §Format). */
function checkFile(path: string, bytes: Buffer): void {
  const xml = parseResult(bytes);
  const h = xml.XmlMsg.MessageHeader;
  for (const [name, format] of HEADER_FORMATS) assert.match(String(h[name]), format, `${basename(path)}: MessageHeader/${name}`);
  assert.equal(
    decodeResult(bytes).encoding,
    h.CharacterCodeIdentifier === '1' ? 'Shift_JIS' : 'UTF-8',
    `${basename(path)}: encoding vs CharacterCodeIdentifier`,
  );
  assert.equal(basename(path), `${h.ProcessExecutionTime}_${h.ArbitraryFileIdentifier}.xml`);
  if (h.SegmentOfResult === '9') {
    assert.ok(typeof h.ErrorCode === 'string' && h.ErrorCode !== '', `${basename(path)}: ErrorCode of 異常終了`);
    assert.ok(typeof h.ErrorMessage === 'string' && h.ErrorMessage !== '', `${basename(path)}: ErrorMessage of 異常終了`);
    return;
  }
  const body = xml.XmlMsg.MessageBody;
  assert.match(String(body?.ProcessingResultStatus), /^[12]$/, `${basename(path)}: ProcessingResultStatus`);
  assert.match(String(body?.QualificationValidity), /^[1-5]$/, `${basename(path)}: QualificationValidity`);
  const r = firstResult(xml);
  if (!r) return;
  for (const [k, v] of Object.entries(r)) {
    if (k.endsWith('ConsFlg')) assert.match(String(v), /^[012]$/, `${basename(path)}: ${k}`);
    if (k.endsWith('ConsTime') || k.endsWith('AvailableTime')) assert.match(String(v), /^\d{14}$/, `${basename(path)}: ${k}`);
  }
}

Given('レセコン向けの結果ファイルを出力する設定である', async function (this: ReaderWorld) {
  requireNotStarted(this, 'レセコン向けの結果ファイルを出力する設定である');
  this.install.results = { ...this.install.results, dir: mkdtempSync(join(tmpdir(), 'oqs-result-files-')) };
});

Given('レセコン向けの結果ファイルを文字コード{string}で出力する設定である', async function (this: ReaderWorld, code: string) {
  requireNotStarted(this, 'レセコン向けの結果ファイルを文字コード…で出力する設定である');
  const characterCode = ({ 'UTF-8': 'utf8', Shift_JIS: 'sjis' } as const)[code as 'UTF-8' | 'Shift_JIS'];
  if (!characterCode) throw new Error(`文字コードは"UTF-8"か"Shift_JIS"です / character code must be "UTF-8" or "Shift_JIS", got "${code}"`);
  this.install.results = { dir: mkdtempSync(join(tmpdir(), 'oqs-result-files-')), ...this.install.results, characterCode };
});

Given('リーダーで本人確認できなかったときも結果ファイルを出力する設定である', async function (this: ReaderWorld) {
  requireNotStarted(this, 'リーダーで本人確認できなかったときも結果ファイルを出力する設定である');
  this.install.results = { dir: mkdtempSync(join(tmpdir(), 'oqs-result-files-')), ...this.install.results, readerFailures: 'errorFile' };
});

const pollers = new WeakMap<ReaderWorld, ReturnType<typeof pollFolder>>();

Given('レセコンが結果ファイルの出力先を監視している', async function (this: ReaderWorld) {
  pollers.set(this, pollFolder(resultDir(this)));
});

Then('監視していたレセコンは書きかけの結果ファイルを一度も見ていない', async function (this: ReaderWorld) {
  const p = pollers.get(this);
  if (!p) throw new Error('「レセコンが結果ファイルの出力先を監視している」が前提にありません');
  await p.stop();
  assert.deepEqual(p.broken, [], 'files seen half-written');
  assert.equal(p.seen.size, (await files(this)).length, 'the レセコン saw every file');
  assert.deepEqual(
    readdirSync(resultDir(this)).filter((f) => !f.endsWith('.xml')),
    [],
    'temp files left behind',
  );
});

Then('結果ファイルが{int}件出力されている', async function (this: ReaderWorld, n: number) {
  const all = await files(this, n);
  assert.equal(all.length, n, JSON.stringify(all.map((f) => basename(f.path))));
  assert.equal(readdirSync(resultDir(this)).filter((f) => f.endsWith('.xml')).length, n, 'the folder holds exactly those files');
});

Then('結果ファイルは出力されていない', async function (this: ReaderWorld) {
  assert.deepEqual(await files(this), []);
  assert.deepEqual(readdirSync(resultDir(this)), []);
});

Then('最新の結果ファイルの項目は次のとおりである', async function (this: ReaderWorld, table: DataTable) {
  const { xml, path } = await latest(this);
  for (const [name, want] of table.raw()) {
    const got = field(xml, name!);
    if (want === '（なし）') assert.equal(got, undefined, `${basename(path)}: ${name} must be absent`);
    else assert.equal(got, want, `${basename(path)}: ${name}`);
  }
});

Then('最新の結果ファイルの{string}は{string}の24時間後である', async function (this: ReaderWorld, later: string, earlier: string) {
  const { xml } = await latest(this);
  const at = (stamp: string | undefined, name: string) => {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp ?? '');
    if (!m) throw new Error(`${name} is not YYYYMMDDHHmmss: ${stamp}`);
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  };
  assert.equal(at(field(xml, later), later) - at(field(xml, earlier), earlier), 24 * 3_600_000);
});

Then('最新の結果ファイルの{string}は本人確認が済んだ後で、処理時刻より前である', async function (this: ReaderWorld, name: string) {
  const { xml } = await latest(this);
  const record = (await this.terminal())
    .records()
    .filter((r) => r.outcome === 'confirmed')
    .at(-1);
  assert.notEqual(record, undefined, 'a confirmed record');
  const value = field(xml, name);
  assert.ok(value! >= jstStamp(Date.parse(record!.finishedAt)), `${name} ${value} after the confirmation`);
  assert.ok(value! <= xml.XmlMsg.MessageHeader.ProcessExecutionTime!, `${name} ${value} not after ProcessExecutionTime`);
});

Then('最新の結果ファイルの資格確認日は最新の記録の資格確認日である', async function (this: ReaderWorld) {
  const { xml } = await latest(this);
  const record = (await this.terminal()).records().at(-1);
  assert.equal(xml.XmlMsg.MessageHeader.QualificationConfirmationDate, record?.confirmationDate.replace(/\//g, ''));
});

Then('最新の結果ファイルの文字コードは{string}である', async function (this: ReaderWorld, code: string) {
  const { bytes, xml } = await latest(this);
  assert.equal(decodeResult(bytes).encoding, code);
  assert.equal(xml.XmlMsg.MessageHeader.CharacterCodeIdentifier, code === 'Shift_JIS' ? '1' : '0');
  if (code === 'Shift_JIS') assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), TypeError, 'Shift_JIS bytes are not UTF-8');
});

Then('結果ファイルに個人番号・暗証番号・画像が含まれない', async function (this: ReaderWorld) {
  const all = await files(this, 1);
  assert.ok(all.length > 0);
  const ids = new Set((await this.terminal()).records().map((r) => fileIdOf(r.id)));
  for (const { path, bytes } of all) assert.deepEqual(privateDataIn(bytes, SCENARIO_PINS, ids), [], basename(path));
});

// The reader's own error codes beside its screens (domain.md §1.6: 001, 002, 006).
Then('リーダーの画面にエラーコード{string}が表示されている', async function (this: ReaderWorld, code: string) {
  const t = await this.terminal();
  const screen = t.status().readers.find((r) => r.path === this.target.readerPath(0))?.screen as ScreenName | null | undefined;
  assert.equal(typeof screen, 'string', 'the reader shows a screen');
  assert.equal(screenCode(screen!), code, `screen ${screen}`);
});

After(async function (this: ReaderWorld) {
  const dir = this.install.results?.dir;
  if (!dir) return;
  try {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml'))) checkFile(join(dir, f), readFileSync(join(dir, f)));
  } finally {
    await pollers.get(this)?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
