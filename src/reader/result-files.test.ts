import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResult, pollFolder } from '../../steps/support/result-folder';
import { CERT_NOTICE_CODES, EmulatedEligibility, syntheticQualification } from '../../simulator/eligibility';
import { profileNames } from '../../simulator/cards';
import { assemble, embeddedReaders } from '../assembly';
import { VirtualClock } from '../time/virtual-clock';
import { UnavailableEligibility, type EligibilityService } from './eligibility';
import { OqsError } from './errors';
import { encodeResult, jstStamp, resultXml, writeAtomically, type ResultFileInput } from './result-files';
import { encodeShiftJis } from './shift-jis';
import { MemoryStore } from './store';

const T0 = Date.UTC(2026, 10, 24, 0, 30); // 2026/11/24 09:30 JST

/** A result file's MessageBody, as far as these tests read it. */
type Body = Partial<Record<'ProcessingResultStatus' | 'QualificationValidity' | 'ProcessingResultCode' | 'ProcessingResultMessage', string>> & {
  ResultList: { ResultOfQualificationConfirmation: Record<string, string> };
};
const parse = parseResult;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'oqs-results-'));
}

/** A terminal with emulated readers and a result folder, all on a virtual clock. */
async function clinic(
  opts: {
    readers?: number;
    eligibility?: (clock: VirtualClock) => EligibilityService;
    characterCode?: 'utf8' | 'sjis';
    readerFailures?: 'none' | 'errorFile';
  } = {},
) {
  const clock = new VirtualClock(T0);
  const dir = tempDir();
  const embedded = embeddedReaders(clock, opts.readers ?? 1);
  const a = assemble({
    clock,
    store: new MemoryStore(),
    readers: embedded.ports,
    link: { heartbeatMs: 0 },
    results: {
      dir,
      characterCode: opts.characterCode,
      readerFailures: opts.readerFailures,
      eligibility: (opts.eligibility ?? ((c) => new EmulatedEligibility({ clock: c })))(clock),
    },
  });
  const settle = async (work: unknown = undefined) => {
    await clock.resolve(Promise.resolve(work));
    await clock.runUntilIdle();
    await a.results!.idle();
  };
  await settle(a.firstAttempts);
  /** A patient at reader 1 places a card (unless it is still there) and is confirmed by face; consent still open. */
  const byFace = async (profile?: string) => {
    const r = embedded.readers[0]!;
    if (profile) await settle(r.placeCard(profile));
    await settle(r.chooseMethod('face'));
    await settle(r.presentFace());
  };
  const files = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort();
  const read = (f: string) => parse(readFileSync(join(dir, f)));
  return {
    clock,
    dir,
    a,
    readers: embedded.readers,
    settle,
    byFace,
    files,
    read,
    async close() {
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a face confirmation with 全て同意する: one UTF-8 file, every field as documented', async () => {
  const c = await clinic();
  const r = c.readers[0]!;
  await c.byFace('normal');
  expect(c.files(), 'no file before the consent is known').to.deep.equal([]);
  await c.clock.advance(60_000); // the patient reads the consent screen for a minute
  const consentAt = c.clock.now();
  await c.settle(r.answerConsent('all'));
  expect(c.files()).to.have.length(1);
  const xml = c.read(c.files()[0]!);
  const h = xml.XmlMsg.MessageHeader;
  const stamp = jstStamp(consentAt);
  expect(stamp).to.match(/^2026112409310\d$/);
  expect(h).to.deep.equal({
    ProcessExecutionTime: stamp,
    QualificationConfirmationDate: '20261124',
    ReferenceClassification: '1',
    SegmentOfResult: '1',
    ArbitraryFileIdentifier: h.ArbitraryFileIdentifier,
    MedicalInstitutionCode: '9999999999',
    CharacterCodeIdentifier: '0',
  });
  expect(h.ArbitraryFileIdentifier).to.match(/^[0-9A-F]{16}$/);
  expect(c.files()[0]).to.equal(`${stamp}_${h.ArbitraryFileIdentifier}.xml`);
  const body = xml.XmlMsg.MessageBody as Body;
  expect(body.ProcessingResultStatus).to.equal('1');
  expect(body.QualificationValidity).to.equal('1');
  expect(body).not.to.have.property('ProcessingResultCode');
  const q = body.ResultList.ResultOfQualificationConfirmation;
  expect(q).to.include(syntheticQualification('normal'));
  for (const p of [
    'PharmacistsInfo',
    'DiagnosisInfo',
    'SpecificHealthCheckupsInfo',
    'LimitApplicationCertificateRelated',
    'SpecificDiseasesCertificateRelated',
  ]) {
    expect(q[`${p}ConsFlg`], p).to.equal('1');
    expect(q[`${p}ConsTime`], p).to.equal(stamp);
    expect(q[`${p}AvailableTime`], `${p}: consent + 24 h`).to.equal(jstStamp(consentAt + 86_400_000));
    expect(q[`${p}AvailableTime`]!.slice(0, 8)).to.equal('20261125');
  }
  await c.close();
});

test('個別に同意する with no item, and a card taken away on the consent screen: flags 0, no times', async () => {
  const c = await clinic();
  const r = c.readers[0]!;
  for (const end of ['individual', 'remove'] as const) {
    await c.byFace('normal');
    await c.settle(end === 'individual' ? r.answerConsent('individual', 0) : undefined);
    await c.settle(r.removeCard());
  }
  expect(c.files()).to.have.length(2);
  for (const f of c.files()) {
    const q = (c.read(f).XmlMsg.MessageBody as Body).ResultList.ResultOfQualificationConfirmation;
    expect(Object.keys(q).filter((k) => /Cons(Time)|AvailableTime/.test(k))).to.deep.equal([]);
    expect(q.PharmacistsInfoConsFlg).to.equal('0');
  }
  await c.close();
});

test('a reader that restarts on the consent screen: the confirmed patient still gets a file, without consent', async () => {
  const c = await clinic();
  const r = c.readers[0]!;
  await c.byFace('normal');
  await c.settle(r.reboot());
  expect(c.files()).to.have.length(1);
  const q = (c.read(c.files()[0]!).XmlMsg.MessageBody as Body).ResultList.ResultOfQualificationConfirmation;
  expect(q.PharmacistsInfoConsFlg).to.equal('0');
  // The card still on the reader is read again as a new visit: confirmed again, a second file.
  await c.byFace();
  await c.settle(r.answerConsent('all'));
  expect(c.files()).to.have.length(2);
  await c.close();
});

test('Shift_JIS when configured: CharacterCodeIdentifier 1, the bytes decode back to the very same text', async () => {
  const c = await clinic({ characterCode: 'sjis' });
  const r = c.readers[0]!;
  await c.byFace('certExpiringSoon');
  await c.settle(r.answerConsent('all'));
  const bytes = readFileSync(join(c.dir, c.files()[0]!));
  expect(bytes.subarray(0, 60).toString('latin1')).to.include('encoding="Shift_JIS"');
  expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'not UTF-8').to.throw();
  const xml = c.read(c.files()[0]!);
  expect(xml.XmlMsg.MessageHeader.CharacterCodeIdentifier).to.equal('1');
  const body = xml.XmlMsg.MessageBody as Body;
  expect(body.ProcessingResultCode).to.equal('W0001');
  expect(body.ProcessingResultMessage).to.include('3か月以内');
  expect(body.ResultList.ResultOfQualificationConfirmation.Name).to.equal(syntheticQualification('certExpiringSoon').Name);
  await c.close();
});

test('encodeShiftJis: round trip through the decoder for kana, kanji, symbols and half-width kana; 〓 for what it cannot hold', () => {
  const samples = [
    '試験　一郎',
    'ｼｹﾝ ｲﾁﾛｳ',
    '〒123-4567 東京都千代田区',
    '①②髙﨑',
    '―ー－～∥￠￡￢',
    '<>&"\'',
    ...profileNames().map((p) => syntheticQualification(p).Name),
  ];
  const decoder = new TextDecoder('shift_jis', { fatal: true });
  for (const s of samples) {
    const { bytes, replaced } = encodeShiftJis(s);
    expect(replaced, s).to.equal(0);
    expect(decoder.decode(bytes), s).to.equal(s);
  }
  const { bytes, replaced } = encodeShiftJis('𠮷野家😀');
  expect(replaced).to.equal(2);
  expect(decoder.decode(bytes)).to.equal('〓野家〓');
});

test('no eligibility service configured: an 異常終了 file (SegmentOfResult 9, ErrorCode, ErrorMessage), no made-up data', async () => {
  const c = await clinic({ eligibility: () => new UnavailableEligibility() });
  const r = c.readers[0]!;
  await c.byFace('normal');
  await c.settle(r.answerConsent('all'));
  const xml = c.read(c.files()[0]!);
  expect(xml.XmlMsg.MessageHeader).to.include({ SegmentOfResult: '9', ErrorCode: 'EOQS0001' });
  expect(xml.XmlMsg.MessageHeader.ErrorMessage).to.include('オンライン資格確認');
  expect(xml.XmlMsg).not.to.have.property('MessageBody');
  await c.close();
});

test("reader-side failures: no file by default; with readerFailures errorFile, the reader's code (006, 002, 001) or R + reason", async () => {
  for (const mode of ['none', 'errorFile'] as const) {
    const c = await clinic({ readerFailures: mode });
    const r = c.readers[0]!;
    for (const p of ['certExpired', 'notMyNumber', 'unreadable', 'faceChangedSurgery']) {
      await c.settle(r.placeCard(p));
      if (p === 'faceChangedSurgery') {
        await c.settle(r.chooseMethod('face'));
        await c.settle(r.presentFace());
        await c.settle(r.enterWrongPin());
        await c.settle(r.enterWrongPin());
        await c.settle(r.enterWrongPin());
      }
      await c.settle(r.removeCard());
    }
    const codes = c
      .files()
      .map((f) => c.read(f).XmlMsg.MessageHeader)
      .map((h) => [h.SegmentOfResult, h.ErrorCode]);
    if (mode === 'none') expect(codes).to.deep.equal([]);
    else expect(codes.map((x) => x.join(' ')).sort()).to.deep.equal(['9 001', '9 002', '9 006', '9 R002']);
    await c.close();
  }
});

test('bad configuration is refused with OQS_ERR_RESULT_CONFIG', () => {
  const clock = new VirtualClock(T0);
  for (const results of [{ medicalInstitutionCode: '123' }, { characterCode: 'latin1' as 'utf8' }]) {
    expect(() => assemble({ clock, store: new MemoryStore(), readers: [], results: { dir: tempDir(), eligibility: new UnavailableEligibility(), ...results } }))
      .to.throw(OqsError)
      .with.property('code', 'OQS_ERR_RESULT_CONFIG');
  }
});

const bigInput = (i: number): ResultFileInput => ({
  processedAt: T0 + i * 1000,
  confirmationDate: '2026/11/24',
  fileId: `NAIVE${String(i).padStart(11, '0')}`,
  medicalInstitutionCode: '9999999999',
  characterCode: 'utf8',
  content: {
    kind: 'answer',
    answer: {
      processingResultStatus: '1',
      processingResultCode: null,
      processingResultMessage: null,
      qualificationValidity: '1',
      results: Array(40).fill(syntheticQualification('normal')),
    },
    consent: null,
  },
});

test('the poller this test relies on does catch half-written files (a writer that writes in place, in two parts)', async () => {
  const dir = tempDir();
  const p = pollFolder(dir);
  for (let i = 0; i < 20 && p.broken.length === 0; i++) {
    const bytes = encodeResult(resultXml(bigInput(i)), 'utf8');
    const h = await open(join(dir, `naive-${i}.xml`), 'w');
    await h.write(bytes.subarray(0, bytes.length >> 1));
    // Until the poller has looked at least once more: deterministic, no timed wait.
    for (const seen = p.polls; p.polls < seen + 2;) await new Promise((r) => setImmediate(r));
    await h.write(bytes.subarray(bytes.length >> 1));
    await h.close();
  }
  await p.stop();
  expect(p.broken.length, 'a naive writer is seen half-way').to.be.greaterThan(0);
  rmSync(dir, { recursive: true, force: true });
});

test('a reader polling the folder while confirmations stream from two readers never sees half a file', async () => {
  const c = await clinic({ readers: 2 });
  const p = pollFolder(c.dir);
  const profiles = ['normal', 'certExpiringSoon', 'certRecentlyExpired', 'infant', 'pinTwoFailures'];
  let expected = 0;
  for (let round = 0; round < 12; round++) {
    for (const [i, r] of c.readers.entries()) {
      const profile = profiles[(round + i) % profiles.length]!;
      r.placeCard(profile);
      r.chooseMethod('pin');
      void r.enterCorrectPin();
    }
    await c.clock.resolve(Promise.resolve());
    await c.clock.runUntilIdle();
    for (const r of c.readers) r.answerConsent(round % 2 ? 'all' : 'individual', 1);
    for (const r of c.readers) r.removeCard();
    expected += c.readers.length;
    await c.clock.runUntilIdle();
    await new Promise((r) => setImmediate(r)); // the poller gets its turn while files are being written
  }
  await c.settle();
  await p.stop();
  expect(c.files()).to.have.length(expected);
  expect(p.broken, 'half files seen').to.deep.equal([]);
  expect(p.seen.size, 'the poller saw every file').to.equal(expected);
  expect(
    readdirSync(c.dir).filter((f) => !f.endsWith('.xml')),
    'no temp file left',
  ).to.deep.equal([]);
  expect(p.polls, 'the poller ran while files were written').to.be.greaterThan(2);
  await c.close();
});

test('writeAtomically leaves nothing behind when the name is taken by a folder', async () => {
  const dir = tempDir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'x.xml'));
  let failed = false;
  await writeAtomically(dir, 'x.xml', Buffer.from('<a/>')).catch(() => (failed = true));
  expect(failed).to.equal(true);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  rmSync(dir, { recursive: true, force: true });
});

test('docs/result-files.md: its examples are what resultXml writes for the same synthetic input', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'result-files.md'), 'utf8');
  const blocks = [...doc.matchAll(/```xml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const at = Date.UTC(2026, 10, 24, 0, 31, 7);
  const common = { confirmationDate: '2026/11/24', medicalInstitutionCode: '9999999999', characterCode: 'utf8' as const };
  const ok = resultXml({
    ...common,
    processedAt: at + 2000,
    fileId: '6B5C95B64D5D408C',
    content: {
      kind: 'answer',
      consent: { items: 7, at },
      answer: {
        processingResultStatus: '1',
        processingResultCode: CERT_NOTICE_CODES.renewSoon.code,
        processingResultMessage: CERT_NOTICE_CODES.renewSoon.message,
        qualificationValidity: '1',
        results: [syntheticQualification('certExpiringSoon')],
      },
    },
  });
  const err = resultXml({
    ...common,
    processedAt: at,
    fileId: '0F3A9C1E22B7D450',
    content: { kind: 'error', errorCode: 'EOQS0001', errorMessage: 'オンライン資格確認に接続できません（資格確認サービスが設定されていません）' },
  });
  expect(blocks).to.deep.equal([ok, err]);
});
