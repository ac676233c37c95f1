import { test } from 'node:test';
import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { AccountDirectory } from '../reader/accounts';
import type { ConfirmationRecord } from '../reader/records';
import { syntheticRecord } from '../reader/test-records';
import { basic, testServer } from './test-server';

const accounts = new AccountDirectory();
accounts.add('uketsuke', 'uketsuke-password-1', 'general');
const STAFF = basic('uketsuke', 'uketsuke-password-1');

/** The test server's clock is 2026-11-24 10:00 JST. */
const record = syntheticRecord;

async function withRecords(t: Parameters<typeof testServer>[0], records: ConfirmationRecord[]) {
  const s = await testServer(t, accounts);
  for (const r of records) s.terminal.store.saveRecord(r);
  const get = (url: string) => s.call('GET', url, { auth: STAFF });
  return { ...s, get };
}

const minutes = (n: number) => new Date(Date.UTC(2026, 10, 20, 0, 0) + n * 60_000).toISOString();

test('records come a screenful a page, oldest first, and the cursors walk all of them once', async (t) => {
  const all = Array.from({ length: 120 }, (_, i) => record(i, minutes(120 - i)));
  const { get } = await withRecords(t, all);
  const first = await get('/api/records');
  expect(first.status).to.equal(200);
  expect((first.body.records as unknown[]).length).to.equal(50);
  const seen: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const r = await get(`/api/records?limit=40${next ? `&cursor=${next}` : ''}`);
    seen.push(...(r.body.records as ConfirmationRecord[]).map((x) => x.finishedAt));
    next = r.body.next as string | null;
    pages++;
  } while (next);
  expect(pages).to.equal(3);
  expect(seen).to.deep.equal(all.map((r) => r.finishedAt).sort());
});

test('order=newest pages from the latest record back, the exact reverse of oldest first; the cursor keeps its order', async (t) => {
  const all = Array.from({ length: 45 }, (_, i) => record(i, minutes(i % 30)));
  const { get, call } = await withRecords(t, all);
  const walk = async (q: string) => {
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const r = await get(`/api/records?${q}${next ? `&cursor=${next}` : ''}`);
      expect(r.status, q).to.equal(200);
      seen.push(...(r.body.records as ConfirmationRecord[]).map((x) => x.id));
      next = r.body.next as string | null;
    } while (next);
    return seen;
  };
  const oldest = await walk('limit=20');
  expect(await walk('order=oldest&limit=20')).to.deep.equal(oldest);
  expect(await walk('order=newest&limit=20')).to.deep.equal([...oldest].reverse());
  const latest = await get('/api/records?order=newest&limit=1');
  expect((latest.body.records as ConfirmationRecord[])[0]!.finishedAt).to.equal(minutes(29));
  const cursor = latest.body.next as string;
  const crossed = await get(`/api/records?limit=1&cursor=${cursor}`);
  expect([crossed.status, crossed.body.code]).to.deep.equal([400, 'OQS_ERR_BAD_CURSOR']);
  const doc = (await call('GET', '/api/openapi.json', { auth: STAFF })).body as {
    paths: Record<string, { get: { parameters: Array<{ name: string; schema: { enum?: string[] } }> } }>;
  };
  for (const path of ['/api/records', '/api/mode-changes'])
    expect(doc.paths[path]!.get.parameters.find((p) => p.name === 'order')?.schema.enum, path).to.deep.equal(['oldest', 'newest']);
});

test('from and to are days in Japan (to includes its day) or instants (to excluded); day=today is today in Japan', async (t) => {
  const { get } = await withRecords(t, [
    record(1, '2026-11-22T14:59:59.999Z'), // 11/22 23:59:59 JST
    record(2, '2026-11-22T15:00:00.000Z'), // 11/23 00:00 JST
    record(3, '2026-11-23T14:59:59.999Z'), // 11/23 23:59:59 JST
    record(4, '2026-11-23T15:00:00.000Z'), // 11/24 00:00 JST: today for the test server
    record(5, '2026-11-24T00:59:00.000Z'), // today, 09:59 JST
  ]);
  const ids = async (q: string) => ((await get(`/api/records?${q}`)).body.records as ConfirmationRecord[]).map((r) => Number(r.id.split(':')[1]));
  expect(await ids('from=2026-11-23&to=2026-11-23')).to.deep.equal([2, 3]);
  expect(await ids('from=2026-11-23')).to.deep.equal([2, 3, 4, 5]);
  expect(await ids('to=2026-11-22')).to.deep.equal([1]);
  expect(await ids('day=today')).to.deep.equal([4, 5]);
  expect(await ids('from=2026-11-23T00:00:00%2B09:00&to=2026-11-23T15:00:00Z')).to.deep.equal([2, 3]);
  const r = await get('/api/records?from=2026-11-23&to=2026-11-23');
  expect(r.body.range).to.deep.equal({ from: '2026-11-22T15:00:00.000Z', to: '2026-11-23T15:00:00.000Z' });
});

test('bad ranges, limits, cursors and parameters are coded 400s from the one table', async (t) => {
  const { get } = await withRecords(t, [record(1, minutes(1))]);
  const cases: Array<[string, string]> = [
    ['/api/records?from=2026-13-01', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?from=2026-02-30', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?from=yesterday', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?from=2026-11-20T10:00:00', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?from=2026-11-24&to=2026-11-23', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?from=2026-11-24T00:00:00Z&to=2026-11-24T00:00:00Z', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?day=tomorrow', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?day=today&from=2026-11-01', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/records?limit=0', 'OQS_ERR_PAGE_LIMIT'],
    ['/api/records?limit=1001', 'OQS_ERR_PAGE_LIMIT'],
    ['/api/records?limit=ten', 'OQS_ERR_PAGE_LIMIT'],
    ['/api/records?cursor=not-a-cursor', 'OQS_ERR_BAD_CURSOR'],
    ['/api/records?page=2', 'OQS_ERR_BAD_REQUEST'],
    ['/api/mode-changes?to=2026-11-31', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/mode-changes?limit=-1', 'OQS_ERR_PAGE_LIMIT'],
    ['/api/records?order=latest', 'OQS_ERR_PAGE_ORDER'],
    ['/api/records?order=NEWEST', 'OQS_ERR_PAGE_ORDER'],
    ['/api/mode-changes?order=desc', 'OQS_ERR_PAGE_ORDER'],
    ['/api/records/export?order=newest', 'OQS_ERR_BAD_REQUEST'],
    ['/api/records/export?format=xlsx', 'OQS_ERR_EXPORT_FORMAT'],
    ['/api/records/export?format=csv&headers=fr', 'OQS_ERR_EXPORT_FORMAT'],
    ['/api/records/export?from=2026-11-30&to=2026-11-01', 'OQS_ERR_RECORDS_RANGE'],
    ['/api/mode-changes/export?day=today', 'OQS_ERR_BAD_REQUEST'],
  ];
  for (const [url, code] of cases) {
    const r = await get(url);
    expect([r.status, r.body.code], url).to.deep.equal([400, code]);
    expect(r.body.messageJa ?? r.body.message, url).to.be.a('string');
  }
  expect((await get('/api/records?limit=1000')).status).to.equal(200);
});

test('records need a login, like everything else', async (t) => {
  const { call } = await withRecords(t, []);
  for (const url of ['/api/records', '/api/records/export', '/api/mode-changes', '/api/mode-changes/export'])
    expect((await call('GET', url)).status, url).to.equal(401);
});

test('the CSV export has the documented columns, quotes what needs it and defuses formulas; NDJSON is the records', async (t) => {
  const odd = record(2, minutes(2), {
    reader: { vendor: '=HYPERLINK("x")', model: 'A,B', serial: 'EMU-0001' },
    consent: null,
    method: 'visual',
    operator: 'staff',
  });
  const { get } = await withRecords(t, [record(1, minutes(1)), odd, record(3, '2026-11-24T00:00:00.000Z')]);
  const csv = await get('/api/records/export?format=csv&from=2026-11-20&to=2026-11-20');
  expect(csv.status).to.equal(200);
  expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
  expect(csv.headers['content-disposition']).to.equal('attachment; filename="records-2026-11-20-2026-11-20.csv"');
  const rows = csv.text.split('\r\n');
  expect(rows[0]).to.equal(
    'id,finishedAt,startedAt,outcome,method,failReason,confirmationDate,operator,readerSide,readerVendor,readerModel,readerSerial,cardId,consent',
  );
  expect(rows[1]).to.equal(
    `EMU-0001:1,${minutes(1)},${minutes(1)},confirmed,face,,2026/11/24,,false,OQS Emulated,FACE-EMU-1,EMU-0001,06027ca250d52f04342f1f639288fd7c,all`,
  );
  expect(rows[2]).to.include(`,staff,false,"'=HYPERLINK(""x"")","A,B",EMU-0001,`);
  expect(rows.slice(3)).to.deep.equal(['']);
  const ja = await get('/api/records/export?format=csv&headers=ja');
  expect(ja.text.startsWith('\ufeff記録ID,終了日時,開始日時,結果,確認方法,')).to.equal(true);
  const nd = await get('/api/records/export?from=2026-11-20');
  expect(nd.headers['content-type']).to.equal('application/x-ndjson; charset=utf-8');
  const parsed = nd.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ConfirmationRecord);
  expect(parsed.map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:2', 'EMU-0001:3']);
  expect(parsed[1]).to.deep.equal(odd);
});

test('the export is streamed: the store is read as the client reads, not gathered first', async (t) => {
  const s = await testServer(t, accounts);
  let produced = 0;
  const total = 100_000;
  // A store whose export yields synthetic records lazily and counts what was asked of it.
  s.terminal.store.records = function* () {
    for (let i = 0; i < total; i++) {
      produced++;
      yield record(i, minutes(i));
    }
  };
  const res = await s.app.inject({ method: 'GET', url: '/api/records/export?format=csv', headers: { authorization: STAFF }, payloadAsStream: true });
  expect(res.statusCode).to.equal(200);
  const body = res.stream() as Readable;
  const first = (await body[Symbol.asyncIterator]().next()).value as Buffer;
  expect(first.length).to.be.greaterThan(0);
  expect(produced, 'rows read before the first chunk went out').to.be.lessThan(total / 10);
  let lines = first.toString('utf8').split('\r\n').length - 1;
  for await (const chunk of body) lines += (chunk as Buffer).toString('utf8').split('\r\n').length - 1;
  expect([lines, produced]).to.deep.equal([total + 1, total]);
  // HEAD says what a GET would send, without reading the store at all.
  produced = 0;
  const head = await s.app.inject({ method: 'HEAD', url: '/api/records/export?format=csv', headers: { authorization: STAFF } });
  expect([head.statusCode, head.headers['content-type'], produced]).to.deep.equal([200, 'text/csv; charset=utf-8', 0]);
});

test('mode changes page and export like records', async (t) => {
  const s = await testServer(t, accounts);
  const modes = ['visual', 'unattended', 'pinOnly'] as const;
  for (let i = 0; i < 7; i++) {
    const change = { from: modes[(i + 2) % 3]!, to: modes[i % 3]!, by: 'kanri', at: minutes(i) };
    s.terminal.store.saveMode(change.to, change);
  }
  const get = (url: string) => s.call('GET', url, { auth: STAFF });
  const p1 = await get('/api/mode-changes?limit=5');
  expect((p1.body.changes as unknown[]).length).to.equal(5);
  const p2 = await get(`/api/mode-changes?limit=5&cursor=${p1.body.next as string}`);
  expect([(p2.body.changes as unknown[]).length, p2.body.next]).to.deep.equal([2, null]);
  const newest = await get('/api/mode-changes?order=newest&limit=2');
  expect((newest.body.changes as Array<{ at: string }>).map((c) => c.at)).to.deep.equal([minutes(6), minutes(5)]);
  expect((await get(`/api/mode-changes?order=newest&cursor=${newest.body.next as string}`)).body.changes).to.have.length(5);
  const csv = await get('/api/mode-changes/export?format=csv&headers=ja');
  const rows = csv.text.split('\r\n');
  expect(rows[0]).to.equal('\ufeff変更日時,変更前のモード,変更後のモード,変更した人');
  expect(rows[1]).to.equal(`${minutes(0)},pinOnly,visual,kanri`);
  expect(rows.length).to.equal(9);
});
