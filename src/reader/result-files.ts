import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConsentItem, FailReason, screenCode, type FailReasonName, type ScreenName } from '../protocol';
import { EligibilityFailure, type EligibilityAnswer, type EligibilityService } from './eligibility';
import { OqsError } from './errors';
import { FAIL_REASON_LABELS } from './labels';
import type { ConfirmationRecord } from './records';
import { encodeShiftJis } from './shift-jis';
import type { Terminal, TerminalEvent } from './terminal';
import { RecentSet } from '../util/recent';

/**
 * Result files for the レセコン, as the 資格確認端末 writes them into its face folder (OQS\Face,
 * domain.md §2.3–2.4): one XML file per identity confirmation, with the qualification the
 * eligibility service answered and the consent the patient gave. docs/result-files.md is the
 * contract, including every assumption made where the public record is silent.
 */
export interface ResultFileOptions {
  /** The folder the レセコン reads (made if missing). */
  dir: string;
  /** CharacterCodeIdentifier 0 UTF-8 (default) or 1 Shift_JIS. */
  characterCode?: 'utf8' | 'sjis';
  /** 医療機関コード, 10 digits. The default is a synthetic placeholder. */
  medicalInstitutionCode?: string;
  /**
   * A reader-side failure (照合エラー, 006, 002 …): no inquiry is made, so by default no file
   * ('none'); 'errorFile' writes an 異常終了 header instead (assumption, docs/result-files.md).
   */
  readerFailures?: 'none' | 'errorFile';
  /** How many written files, errors and handled record ids are remembered, the most recent (default 1000). */
  keep?: number;
}

export const DEFAULT_MEDICAL_INSTITUTION_CODE = '9999999999';

/** What goes into one file. */
export type ResultContent =
  { kind: 'answer'; answer: EligibilityAnswer; consent: { items: number; at: number } | null } | { kind: 'error'; errorCode: string; errorMessage: string };

export interface ResultFileInput {
  processedAt: number;
  /** 資格確認日, YYYY/MM/DD (the date actually confirmed: the one staff set for a visual check). */
  confirmationDate: string;
  fileId: string;
  medicalInstitutionCode: string;
  characterCode: 'utf8' | 'sjis';
  content: ResultContent;
}

/** YYYYMMDDHHmmss in Japan time. */
export function jstStamp(ms: number): string {
  return new Date(ms + 9 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
const el = (name: string, value: string, indent: string) => `${indent}<${name}>${escape(value)}</${name}>`;

/** Consent items → the result's consent fields (assumed mapping, docs/result-files.md). */
export const CONSENT_FIELDS: ReadonlyArray<{ item: keyof typeof ConsentItem; prefix: string }> = [
  { item: 'medication', prefix: 'PharmacistsInfo' },
  { item: 'medication', prefix: 'DiagnosisInfo' },
  { item: 'checkups', prefix: 'SpecificHealthCheckupsInfo' },
  { item: 'highCost', prefix: 'LimitApplicationCertificateRelated' },
  { item: 'highCost', prefix: 'SpecificDiseasesCertificateRelated' },
];

/** The consent is good for 24 hours from when it was given (domain.md §1.3, §4.6). */
export const CONSENT_VALID_MS = 24 * 3_600_000;

export function resultXml(input: ResultFileInput): string {
  const { content } = input;
  const header = [
    el('ProcessExecutionTime', jstStamp(input.processedAt), '    '),
    el('QualificationConfirmationDate', input.confirmationDate.replace(/\//g, ''), '    '),
    el('ReferenceClassification', '1', '    '),
    el('SegmentOfResult', content.kind === 'answer' ? '1' : '9', '    '),
    ...(content.kind === 'error' ? [el('ErrorCode', content.errorCode, '    '), el('ErrorMessage', content.errorMessage, '    ')] : []),
    el('ArbitraryFileIdentifier', input.fileId, '    '),
    el('MedicalInstitutionCode', input.medicalInstitutionCode, '    '),
    el('CharacterCodeIdentifier', input.characterCode === 'sjis' ? '1' : '0', '    '),
  ];
  const body: string[] = [];
  if (content.kind === 'answer') {
    const a = content.answer;
    body.push(el('ProcessingResultStatus', a.processingResultStatus, '    '));
    if (a.processingResultCode !== null) body.push(el('ProcessingResultCode', a.processingResultCode, '    '));
    if (a.processingResultMessage !== null) body.push(el('ProcessingResultMessage', a.processingResultMessage, '    '));
    body.push(el('QualificationValidity', a.qualificationValidity, '    '));
    if (a.results.length) {
      body.push('    <ResultList>');
      for (const q of a.results) {
        body.push('      <ResultOfQualificationConfirmation>');
        for (const [k, v] of Object.entries(q)) body.push(el(k, v, '        '));
        for (const { item, prefix } of CONSENT_FIELDS) {
          const given = content.consent !== null && (content.consent.items & ConsentItem[item]) !== 0;
          body.push(el(`${prefix}ConsFlg`, given ? '1' : '0', '        '));
          if (given) {
            body.push(el(`${prefix}ConsTime`, jstStamp(content.consent!.at), '        '));
            body.push(el(`${prefix}AvailableTime`, jstStamp(content.consent!.at + CONSENT_VALID_MS), '        '));
          }
        }
        body.push('      </ResultOfQualificationConfirmation>');
      }
      body.push('    </ResultList>');
    }
  }
  const encoding = input.characterCode === 'sjis' ? 'Shift_JIS' : 'UTF-8';
  return [
    `<?xml version="1.0" encoding="${encoding}" standalone="no"?>`,
    '<XmlMsg>',
    '  <MessageHeader>',
    ...header,
    '  </MessageHeader>',
    ...(body.length ? ['  <MessageBody>', ...body, '  </MessageBody>'] : []),
    '</XmlMsg>',
    '',
  ].join('\n');
}

export function encodeResult(xml: string, characterCode: 'utf8' | 'sjis'): Buffer {
  return characterCode === 'sjis' ? encodeShiftJis(xml).bytes : Buffer.from(xml, 'utf8');
}

/** The file's name: when it was processed and its identifier (a レセコン reads `*.xml` only). */
export function resultFileName(input: Pick<ResultFileInput, 'processedAt' | 'fileId'>): string {
  return `${jstStamp(input.processedAt)}_${input.fileId}.xml`;
}

/**
 * Written whole or not at all: into a hidden temp file in the same folder, flushed to disk (fsync),
 * then renamed over its final name, so a reader polling the folder never sees half a file.
 */
export async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<string> {
  const final = join(dir, name);
  const temp = join(dir, `.${name}.${process.pid}.tmp`);
  const handle = await open(temp, 'wx', 0o640);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  await rename(temp, final).catch(async (e: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw e;
  });
  // The rename itself durable too; a folder cannot be opened for sync on Windows, where NTFS logs it.
  if (process.platform !== 'win32') {
    const d = await open(dir, 'r').catch(() => null);
    await d?.sync().catch(() => undefined);
    await d?.close();
  }
  return final;
}

interface Pending {
  record: ConfirmationRecord;
  answer: Promise<ResultContent>;
}

/**
 * Follows the terminal: asks the eligibility service as soon as an identity is confirmed, and
 * writes the file when the visit's consent is known (consentGiven), or without consent when the
 * card is taken away or the reader restarts first. Each record gets at most one file.
 */
export class ResultFiles {
  readonly dir: string;
  readonly characterCode: 'utf8' | 'sjis';
  readonly medicalInstitutionCode: string;
  readonly readerFailures: 'none' | 'errorFile';
  /** The last `keep` files written, in order (full paths), with the record each is about. */
  readonly written: Array<{ path: string; recordId: string }> = [];
  /** The last `keep` errors. */
  readonly errors: OqsError[] = [];
  readonly keep: number;
  private readonly serials = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  /** Records handled already: an update of one (its consent) comes a moment later, so recent ones suffice. */
  private readonly done: RecentSet<string>;
  /** `<serial>:<txId>` → the id of the record its events are about. */
  private readonly byTx = new Map<string, string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly listener = (e: TerminalEvent) => this.onEvent(e);

  constructor(
    private readonly terminal: Terminal,
    private readonly service: EligibilityService,
    opts: ResultFileOptions,
    private readonly onError: (e: OqsError) => void = () => undefined,
  ) {
    this.characterCode = opts.characterCode ?? 'utf8';
    this.medicalInstitutionCode = opts.medicalInstitutionCode ?? DEFAULT_MEDICAL_INSTITUTION_CODE;
    this.readerFailures = opts.readerFailures ?? 'none';
    this.keep = opts.keep ?? 1000;
    this.done = new RecentSet(this.keep);
    if (!/^\d{10}$/.test(this.medicalInstitutionCode))
      throw new OqsError('OQS_ERR_RESULT_CONFIG', `MedicalInstitutionCode must be 10 digits, got "${this.medicalInstitutionCode}"`);
    if (this.characterCode !== 'utf8' && this.characterCode !== 'sjis')
      throw new OqsError('OQS_ERR_RESULT_CONFIG', `character code must be utf8 or sjis, got "${String(this.characterCode)}"`);
    this.dir = opts.dir;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    } catch (e) {
      throw new OqsError('OQS_ERR_RESULT_CONFIG', `cannot make the folder ${this.dir}: ${(e as Error).message}`);
    }
    terminal.on('event', this.listener);
  }

  /** Record ids this writer holds (in flight, and recently handled): bounded, for tests and diagnostics. */
  get remembered(): number {
    return this.pending.size + this.done.size;
  }

  /** Resolves when every file started so far is on disk (or has failed). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  async close(): Promise<void> {
    this.terminal.off('event', this.listener);
    await this.idle();
  }

  private onEvent(e: TerminalEvent): void {
    if (e.type === 'readerConnected') this.serials.set(e.path, e.identity.serial);
    else if (e.type === 'record') this.onRecord(e.record);
    else if (e.type === 'readerEvent') {
      const serial = this.serials.get(e.path);
      const txId = Number((e.fields as Record<string, unknown>).txId);
      if (serial === undefined) return;
      if (e.name === 'consentGiven') {
        const items = Number((e.fields as Record<string, unknown>).items ?? 0);
        this.finish(`${serial}:${txId}`, { items, at: this.terminal.clock.now() });
      } else if (e.name === 'cardRemoved') this.finish(`${serial}:${txId}`, null);
      else if (e.name === 'readerReset') for (const id of [...this.pending.keys()]) if (id.startsWith(`${serial}:`)) this.finish(id.replace(/~\d+$/, ''), null);
    }
  }

  private onRecord(record: ConfirmationRecord): void {
    if (this.done.has(record.id) || this.pending.has(record.id)) return;
    if (record.outcome === 'confirmed') {
      const answer = this.service.confirm(structuredClone(record)).then(
        (a): ResultContent => ({ kind: 'answer', answer: a, consent: null }),
        (e: unknown): ResultContent =>
          e instanceof EligibilityFailure
            ? { kind: 'error', errorCode: e.errorCode, errorMessage: e.errorMessage }
            : { kind: 'error', errorCode: 'EOQS9999', errorMessage: '資格確認で予期しないエラーが起きました' },
      );
      this.pending.set(record.id, { record, answer });
      // A reader that reused a txId gets `<serial>:<txId>~2` (Terminal.record): its later events find this one.
      this.byTx.set(record.id.replace(/~\d+$/, ''), record.id);
    } else if (this.readerFailures === 'errorFile') {
      this.done.add(record.id);
      const reason = record.failReason as FailReasonName;
      this.track(this.write(record, Promise.resolve(readerFailureContent(reason))));
    }
  }

  private finish(tx: string, consent: { items: number; at: number } | null): void {
    const id = this.byTx.get(tx) ?? tx;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.byTx.delete(tx);
    this.done.add(id);
    this.track(
      this.write(
        p.record,
        p.answer.then((c) => (c.kind === 'answer' ? { ...c, consent } : c)),
      ),
    );
  }

  private track(work: Promise<void>): void {
    const p = work.finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async write(record: ConfirmationRecord, content: Promise<ResultContent>): Promise<void> {
    const input: ResultFileInput = {
      processedAt: this.terminal.clock.now(),
      confirmationDate: record.confirmationDate,
      fileId: fileIdOf(record.id),
      medicalInstitutionCode: this.medicalInstitutionCode,
      characterCode: this.characterCode,
      content: await content,
    };
    const name = resultFileName(input);
    try {
      const path = await writeAtomically(this.dir, name, encodeResult(resultXml(input), this.characterCode));
      remember(this.written, { path, recordId: record.id }, this.keep);
    } catch (e) {
      const err = new OqsError('OQS_ERR_RESULT_WRITE', join(this.dir, name), (e as Error).message);
      remember(this.errors, err, this.keep);
      this.onError(err);
    }
  }
}

/** Appends `item`, dropping the oldest beyond `keep`. */
function remember<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}

/**
 * ArbitraryFileIdentifier: one-way from the record id, so a file never names the reader (a face
 * file carries no reader identifier, domain.md §2.3) yet two files never share a name.
 */
export function fileIdOf(recordId: string): string {
  return createHash('sha256').update(`oqs-reader/result/${recordId}`).digest('hex').slice(0, 16).toUpperCase();
}

/** The reader's own code for a refusal it shows one for (001, 002, 006). */
const CODED_SCREENS: Partial<Record<FailReasonName, ScreenName>> = {
  certExpired: 'certExpired',
  notMyNumberCard: 'notMyNumberCard',
  cardUnreadable: 'cardUnreadable',
};

/** A reader-side failure as an 異常終了 header ('errorFile'): the reader's code, else R + the FailReason value. */
export function readerFailureContent(reason: FailReasonName): ResultContent {
  const screen = CODED_SCREENS[reason];
  const code = screen ? screenCode(screen) : null;
  return {
    kind: 'error',
    errorCode: code ?? `R${String(FailReason[reason]).padStart(3, '0')}`,
    errorMessage: `本人確認ができませんでした（${FAIL_REASON_LABELS[reason]}）`,
  };
}
