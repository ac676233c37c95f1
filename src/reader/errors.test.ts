import { test } from 'node:test';
import { expect } from 'chai';
import { ERRORS, OqsError, ReaderRefusedError, type ErrorCode } from './errors';

const FAULTS = ['peer', 'caller', 'transport', 'internal'];

test('every code of the table has a fault class, and its errors carry it', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const [, fault] = ERRORS[code];
    expect(FAULTS, code).to.include(fault);
    expect(new OqsError(code).fault, code).to.equal(fault);
  }
});

test('fault classes: the reader, the line, the caller, the terminal', () => {
  const faultOf = (code: ErrorCode) => new OqsError(code).fault;
  expect(['OQS_ERR_READER_REFUSED', 'OQS_ERR_READER_TIMEOUT', 'OQS_ERR_READER_PROTOCOL', 'OQS_ERR_READER_BUSY'].map((c) => faultOf(c as ErrorCode))).to.deep.equal(['peer', 'peer', 'peer', 'peer']);
  expect(['OQS_ERR_READER_DISCONNECTED', 'OQS_ERR_PORT_OPEN', 'OQS_ERR_NO_READER'].map((c) => faultOf(c as ErrorCode))).to.deep.equal(['transport', 'transport', 'transport']);
  expect(['OQS_ERR_BAD_REQUEST', 'OQS_ERR_UNAUTHENTICATED', 'OQS_ERR_DATE_FORMAT'].map((c) => faultOf(c as ErrorCode))).to.deep.equal(['caller', 'caller', 'caller']);
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
  expect([e.name, e.code, e.command, e.status, e.fault, e.statusCode]).to.deep.equal(['ReaderRefusedError', 'OQS_ERR_READER_REFUSED', 'setMode', 'busy', 'peer', 502]);
  expect(e.message).to.equal('the reader refused "setMode" with status busy');
});
