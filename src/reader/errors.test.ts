import { test } from 'node:test';
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, OqsError, ReaderRefusedError, type ErrorCode } from './errors';

const FAULTS = ['peer', 'caller', 'transport', 'internal'];
const ROOT = join(__dirname, '..', '..');

test('every code of the table has a fault class, and its errors carry it', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const [, fault] = ERRORS[code];
    expect(FAULTS, code).to.include(fault);
    expect(new OqsError(code).fault, code).to.equal(fault);
  }
});

test('fault classes: the reader, the line, the caller, the terminal', () => {
  const faultOf = (code: ErrorCode) => new OqsError(code).fault;
  expect(
    ['OQS_ERR_READER_REFUSED', 'OQS_ERR_READER_TIMEOUT', 'OQS_ERR_READER_PROTOCOL', 'OQS_ERR_READER_BUSY'].map((c) => faultOf(c as ErrorCode)),
  ).to.deep.equal(['peer', 'peer', 'peer', 'peer']);
  expect(['OQS_ERR_READER_DISCONNECTED', 'OQS_ERR_PORT_OPEN', 'OQS_ERR_NO_READER'].map((c) => faultOf(c as ErrorCode))).to.deep.equal([
    'transport',
    'transport',
    'transport',
  ]);
  expect(['OQS_ERR_BAD_REQUEST', 'OQS_ERR_UNAUTHENTICATED', 'OQS_ERR_DATE_FORMAT'].map((c) => faultOf(c as ErrorCode))).to.deep.equal([
    'caller',
    'caller',
    'caller',
  ]);
  expect(faultOf('OQS_ERR_INTERNAL')).to.equal('internal');
});

test('an error from another process keeps its code and so its fault class', () => {
  const e = OqsError.fromBody({ code: 'OQS_ERR_READER_DISCONNECTED', message: 'gone' });
  expect([e.code, e.fault, e.message]).to.deep.equal(['OQS_ERR_READER_DISCONNECTED', 'transport', 'gone']);
  expect(OqsError.fromBody({ code: 'NOT_OURS', message: 'x' }).fault).to.equal('internal');
});

test('ReaderRefusedError is the table refusal with the command and the status typed', () => {
  const e = new ReaderRefusedError('setMode', 'busy');
  expect(e).to.be.instanceOf(OqsError);
  expect(OqsError.is(e, 'OQS_ERR_READER_REFUSED')).to.equal(true);
  expect([e.name, e.code, e.command, e.status, e.fault, e.statusCode]).to.deep.equal([
    'ReaderRefusedError',
    'OQS_ERR_READER_REFUSED',
    'setMode',
    'busy',
    'peer',
    502,
  ]);
  expect(e.message).to.equal('the reader refused "setMode" with status busy');
});

test('one table: every OQS_ERR code the shipped code and docs use is in it (tests may use made-up ones)', () => {
  const used = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|js|cjs|mjs|md|feature)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        for (const [code] of readFileSync(join(ROOT, rel), 'utf8').matchAll(/\bOQS_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) used.set(code, rel);
      }
    }
  };
  for (const dir of ['src', 'simulator', 'steps', 'features', 'scripts', 'bench', 'public', 'docs']) if (existsSync(join(ROOT, dir))) walk(dir);
  const outside = [...used].filter(([code]) => !Object.hasOwn(ERRORS, code)).map(([code, where]) => `${code} (${where})`);
  expect(outside).to.deep.equal([]);
  expect(used.size).to.be.greaterThan(30);
});
