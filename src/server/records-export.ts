import { Readable } from 'node:stream';
import type { ConfirmationRecord, ModeChange } from '../reader/records';

/**
 * Exports for audits (docs/api.md): CSV or NDJSON, read from the store's iterator as the client
 * takes it (a Readable with back-pressure), never built whole in memory.
 */
export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const HEADER_LANGUAGES = ['en', 'ja'] as const;
export type HeaderLanguage = (typeof HEADER_LANGUAGES)[number];

/** One CSV column: its English and Japanese header and how a row fills it. */
export type Column<T> = [en: string, ja: string, value: (row: T) => string | number | boolean | null | undefined];

export const RECORD_COLUMNS: Column<ConfirmationRecord>[] = [
  ['id', '記録ID', (r) => r.id],
  ['finishedAt', '終了日時', (r) => r.finishedAt],
  ['startedAt', '開始日時', (r) => r.startedAt],
  ['outcome', '結果', (r) => r.outcome],
  ['method', '確認方法', (r) => r.method],
  ['failReason', '失敗理由', (r) => r.failReason],
  ['confirmationDate', '資格確認日', (r) => r.confirmationDate],
  ['operator', '確認した職員', (r) => r.operator],
  ['readerSide', 'リーダーで目視確認', (r) => r.readerSide ?? false],
  ['readerVendor', 'リーダーのメーカー', (r) => r.reader.vendor],
  ['readerModel', 'リーダーの機種', (r) => r.reader.model],
  ['readerSerial', 'リーダーの製造番号', (r) => r.reader.serial],
  ['cardId', 'カード識別子', (r) => r.cardId],
  ['consent', '同意', (r) => r.consent],
];

export const MODE_CHANGE_COLUMNS: Column<ModeChange>[] = [
  ['at', '変更日時', (c) => c.at],
  ['from', '変更前のモード', (c) => c.from],
  ['to', '変更後のモード', (c) => c.to],
  ['by', '変更した人', (c) => c.by],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; null is empty. A
 * text starting with = + - @ or a tab gets a leading ' so a spreadsheet never runs it as a formula
 * (a reader's vendor or serial is the reader's to choose).
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Lines are gathered into chunks of about this many characters: one write per row would be slow. */
const CHUNK = 64 * 1024;

function* lines<T>(rows: Iterable<T>, format: ExportFormat, columns: Column<T>[], lang: HeaderLanguage): Generator<string> {
  let chunk = '';
  if (format === 'csv') {
    // A BOM with Japanese headers: Excel on a Japanese Windows reads UTF-8 only with one.
    chunk = (lang === 'ja' ? '\ufeff' : '') + columns.map((c) => csvField(lang === 'ja' ? c[1] : c[0])).join(',') + '\r\n';
  }
  for (const row of rows) {
    chunk += format === 'csv' ? columns.map((c) => csvField(c[2](row))).join(',') + '\r\n' : JSON.stringify(row) + '\n';
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The export as a stream: the store is read only as fast as the client reads. */
export function exportStream<T>(rows: Iterable<T>, format: ExportFormat, columns: Column<T>[], lang: HeaderLanguage): Readable {
  return Readable.from(lines(rows, format, columns, lang), { objectMode: false });
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};
