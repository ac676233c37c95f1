import { test } from 'node:test';
import { expect } from 'chai';
import { AccountDirectory } from '../reader/accounts';
import { LoginLimiter } from './sessions';
import { basic, testServer } from './test-server';
import { VirtualClock } from '../time/virtual-clock';

// scrypt is deliberately slow: one directory for the whole file.
const accounts = new AccountDirectory();
accounts.add('kanri', 'kanri-password-1', 'admin');
accounts.add('uketsuke', 'uketsuke-password-1', 'general');

test('failed logins for names that do not exist never delay a real account', async (t) => {
  const { login } = await testServer(t, accounts);
  for (let i = 0; i < 12; i++) await login(`ghost${i % 3}`, 'wrong-password');
  const r = await login('kanri', 'kanri-password-1');
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
});

test('failures for one account never delay another account', async (t) => {
  const { login } = await testServer(t, accounts);
  for (let i = 0; i < 8; i++) await login('uketsuke', 'wrong-password');
  expect((await login('kanri', 'kanri-password-1')).status).to.equal(200);
});

test('failures for an account delay only its next attempt, by a doubling wait with a cap, with Retry-After', async (t) => {
  const { clock, login } = await testServer(t, accounts);
  const free = new LoginLimiter(clock).free;
  for (let i = 0; i < free; i++) expect((await login('kanri', 'wrong-password')).body.code).to.equal('OQS_ERR_BAD_CREDENTIALS');
  const waits: number[] = [];
  for (let i = 0; i < 12; i++) {
    const failed = await login('kanri', 'wrong-password');
    expect(failed.body.code).to.equal('OQS_ERR_BAD_CREDENTIALS');
    const early = await login('kanri', 'kanri-password-1');
    expect([early.status, early.body.code]).to.deep.equal([429, 'OQS_ERR_TOO_MANY_ATTEMPTS']);
    const seconds = early.body.retryAfterSeconds as number;
    expect(early.headers['retry-after']).to.equal(String(seconds));
    expect(early.body.message).to.include(`${seconds} s`);
    waits.push(seconds);
    await clock.advance(seconds * 1000 - 1);
    expect((await login('kanri', 'kanri-password-1')).status, 'a millisecond early').to.equal(429);
    await clock.advance(1);
  }
  expect(waits.slice(0, 4)).to.deep.equal([1, 2, 4, 8]);
  const cap = Math.max(...waits);
  expect(cap).to.be.at.most(60);
  expect(waits.at(-1)).to.equal(cap);
  // The right password, once the wait is over, works and starts the count afresh.
  expect((await login('kanri', 'kanri-password-1')).status).to.equal(200);
  for (let i = 0; i < free; i++) expect((await login('kanri', 'wrong-password')).body.code).to.equal('OQS_ERR_BAD_CREDENTIALS');
});

test('HTTP Basic is delayed the same way and its 429 says when to retry', async (t) => {
  const { clock, call } = await testServer(t, accounts);
  const free = new LoginLimiter(clock).free;
  for (let i = 0; i <= free; i++) await call('GET', '/api/records', { auth: basic('kanri', 'nope-nope') });
  const r = await call('GET', '/api/records', { auth: basic('kanri', 'kanri-password-1') });
  expect([r.status, r.body.code, r.headers['retry-after']]).to.deep.equal([429, 'OQS_ERR_TOO_MANY_ATTEMPTS', '1']);
  expect(r.body).to.include({ statusCode: 429, error: 'Too Many Requests', retryAfterSeconds: 1 });
});

test('the limiter keeps a bounded number of unknown names, and never forgets a known account for them', () => {
  const clock = new VirtualClock(0);
  const limiter = new LoginLimiter(clock, { maxUnknown: 100 });
  for (let i = 0; i < limiter.free + 3; i++) limiter.fail('kanri', true);
  const wait = limiter.waitMs('kanri', true);
  expect(wait).to.be.greaterThan(0);
  for (let i = 0; i < 10_000; i++) limiter.fail(`ghost-${i}`, false);
  expect(limiter.size).to.be.at.most(101);
  expect(limiter.waitMs('kanri', true)).to.equal(wait);
  // Unknown names are delayed like accounts, so the answers do not tell which names exist.
  for (let i = 0; i < limiter.free + 1; i++) limiter.fail('nobody', false);
  expect(limiter.waitMs('nobody', false)).to.equal(1000);
});
