import { test } from 'node:test';
import { expect } from 'chai';
import { createLogger, logTerminalEvents, loggerOptions } from './log';
import type { ConfirmationRecord } from './reader/records';
import { Terminal, type TerminalEvent } from './reader/terminal';
import { VirtualClock } from './time/virtual-clock';

/** A logger writing JSON lines into memory. */
function memoryLogger(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const RECORD: ConfirmationRecord = {
  id: 'EMU-0001:17',
  outcome: 'confirmed',
  method: 'visual',
  failReason: null,
  confirmationDate: '2026/11/20',
  operator: 'staff',
  reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'EMU-0001' },
  cardId: '06027ca250d52f04342f1f639288fd7c',
  consent: null,
  startedAt: '2026-11-24T01:00:00.000Z',
  finishedAt: '2026-11-24T01:00:04.500Z',
};

test('a record and a mode change from the terminal are logged, with outcomes, counts and times only', () => {
  const { logger, lines, parsed } = memoryLogger();
  const terminal = new Terminal({ clock: new VirtualClock() });
  const stop = logTerminalEvents(terminal, logger);
  const emit = (e: TerminalEvent) => terminal.emit('event', e);

  emit({ type: 'modeChanged', change: { from: 'unattended', to: 'visual', by: 'admin', at: '2026-11-24T01:00:00.000Z' } });
  emit({ type: 'record', record: RECORD });
  emit({ type: 'record', record: { ...RECORD, consent: 'all' } });
  emit({ type: 'record', record: { ...RECORD, id: 'EMU-0001:18', outcome: 'failed', method: 'pin', failReason: 'pinLocked', operator: null, cardId: null } });
  // Never logged: frames and reader events (raw bytes, cardId, scores), visual check views.
  emit({ type: 'frame', path: '/dev/ttyEMU0', frame: { dir: 'in', at: 0, bytes: 'a5000d0146deadbeef' } });
  emit({ type: 'readerEvent', path: '/dev/ttyEMU0', name: 'faceResult', fields: { txId: 17, matched: 1, score: 93, attempt: 1 } });
  emit({ type: 'visualCheck', view: { state: 'idle', checkId: 1, confirmationDate: null, operator: null, txId: null, record: null, lastFailure: null } });
  emit({ type: 'readerDisconnected', path: '/dev/ttyEMU0' });
  emit({ type: 'alert', alert: { code: 'visualCheckNeeded', message: '目視確認が必要です' } });
  emit({
    type: 'alert',
    alert: { code: 'recordNotSaved', message: '保存できません', cause: { code: 'OQS_ERR_STORE_WRITE', message: '保存できません（/state/records.db）' } },
  });

  const out = parsed();
  expect(out.map((l) => l.event)).to.deep.equal(['modeChanged', 'record', 'recordUpdated', 'record', 'readerDisconnected', 'alert', 'alert']);
  expect(out[0]).to.include({
    level: 30,
    component: 'terminal',
    from: 'unattended',
    to: 'visual',
    by: 'admin',
    at: '2026-11-24T01:00:00.000Z',
    modeChanges: 1,
  });
  // The record's own fields as they are, the reader by serial, and what the log adds.
  const { id, outcome, method, failReason, confirmationDate, operator } = RECORD;
  expect(out[1]).to.deep.include({
    id,
    outcome,
    method,
    failReason,
    confirmationDate,
    operator,
    reader: 'EMU-0001',
    durationMs: 4500,
    totals: { confirmed: 1, failed: 0 },
  });
  expect(out[3]).to.deep.include({ outcome: 'failed', failReason: 'pinLocked', totals: { confirmed: 1, failed: 1 } });
  expect(out[4]).to.include({ level: 40, path: '/dev/ttyEMU0', disconnects: 1 });
  expect(out[5]).to.include({ level: 40, code: 'visualCheckNeeded' });
  expect(out[6]).to.include({ level: 40, code: 'recordNotSaved', cause: 'OQS_ERR_STORE_WRITE', msg: 'alert recordNotSaved (OQS_ERR_STORE_WRITE)' });

  // Only named fields: no cardId, no consent, no frame bytes, no reader event fields, no messages.
  const all = lines.join('');
  for (const never of ['06027ca250d52f04342f1f639288fd7c', 'cardId', 'consent', 'a5000d0146', 'score', 'faceResult', '目視確認が必要です', '保存できません']) {
    expect(all, never).not.to.include(never);
  }
  for (const l of out)
    expect(l)
      .to.have.property('time')
      .that.matches(/^\d{4}-\d\d-\d\dT/);

  stop();
  emit({ type: 'modeChanged', change: { from: 'visual', to: 'unattended', by: 'admin', at: '2026-11-24T02:00:00.000Z' } });
  expect(lines).to.have.length(7);
});

test('a password or PIN on a logged object is redacted, at the top or nested, and so are credentials headers', () => {
  const { logger, lines, parsed } = memoryLogger();
  logger.info(
    {
      pin: '4729',
      password: 'hunter2-hunter2',
      account: { name: 'staff', password: 'staff-secret-1' },
      req: {
        method: 'POST',
        url: '/api/session',
        headers: { authorization: 'Basic c3RhZmY6c3RhZmYtc2VjcmV0LTE=', cookie: 'oqs_session=abcdef', 'x-csrf-token': 'tok-123', 'user-agent': 'curl' },
        body: { account: 'staff', password: 'staff-secret-2', pin: '0000' },
      },
      stimuli: [{ action: 'enterPin', pin: '1234' }],
      session: { csrfToken: 'csrf-456', account: 'staff' },
      record: { cardId: '06027ca250d52f04342f1f639288fd7c' },
    },
    'login',
  );
  const all = lines.join('');
  for (const secret of ['4729', 'hunter2', 'staff-secret-1', 'staff-secret-2', 'c3RhZmY6', 'abcdef', 'tok-123', '"0000"', '1234', 'csrf-456']) {
    expect(all, secret).not.to.include(secret);
  }
  const [line] = parsed();
  expect(line).to.deep.include({ pin: '[Redacted]', password: '[Redacted]', account: { name: 'staff', password: '[Redacted]' } });
  expect((line!.req as { headers: Record<string, string> }).headers).to.deep.equal({
    authorization: '[Redacted]',
    cookie: '[Redacted]',
    'x-csrf-token': '[Redacted]',
    'user-agent': 'curl',
  });
  // The cardId is a one-way hash and stays readable; other fields are untouched.
  expect(line).to.deep.include({ record: { cardId: '06027ca250d52f04342f1f639288fd7c' }, msg: 'login' });
});

test('the level comes from LOG_LEVEL, and an unknown level is refused', () => {
  const saved = process.env.LOG_LEVEL;
  try {
    process.env.LOG_LEVEL = 'warn';
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (s: string) => void lines.push(s) } });
    logger.info('not shown');
    logger.warn('shown');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).to.deep.equal(['shown']);
    process.env.LOG_LEVEL = 'verbose';
    expect(() => loggerOptions()).to.throw(RangeError, /LOG_LEVEL/);
    delete process.env.LOG_LEVEL;
    expect(loggerOptions().level).to.equal('info');
  } finally {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  }
});

test('a consent update is logged as an update however many records came before it, and totals count each record once', () => {
  const { logger, lines } = memoryLogger();
  const terminal = new Terminal({ clock: new VirtualClock() });
  logTerminalEvents(terminal, logger);
  const record = (n: number): ConfirmationRecord => ({ ...RECORD, id: `EMU-0001:${n}` });
  // Three readers: a consent arrives a few records after its own record.
  const lag = 3;
  const total = 25_000;
  for (let n = 1; n <= total + lag; n++) {
    if (n <= total) terminal.emit('event', { type: 'record', record: record(n) });
    if (n > lag) terminal.emit('event', { type: 'record', record: { ...record(n - lag), consent: 'all' } });
  }
  const events = lines.map((l) => JSON.parse(l) as { event: string; id: string; totals: { confirmed: number } });
  expect(events.filter((e) => e.event === 'record').length, 'each record logged once as new').to.equal(total);
  expect(events.filter((e) => e.event === 'recordUpdated').length).to.equal(total);
  expect(events.at(-1)!.totals.confirmed).to.equal(total);
});
