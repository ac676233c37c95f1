import { test } from 'node:test';
import { expect } from 'chai';
import { AccountDirectory } from '../reader/accounts';
import { VirtualClock } from '../time/virtual-clock';
import { CredentialCache } from './sessions';
import { basic, testServer } from './test-server';

const accounts = new AccountDirectory();
accounts.add('uketsuke', 'uketsuke-password-1', 'general');

/** Counts the expensive scrypt checks. */
function counting(dir: AccountDirectory) {
  let n = 0;
  const verify = dir.verify.bind(dir);
  dir.verify = (a, p) => (n++, verify(a, p));
  return {
    get count() {
      return n;
    },
  };
}

test('HTTP Basic checks a password with scrypt once, not on every request', async (t) => {
  const verifies = counting(accounts);
  const { call } = await testServer(t, accounts);
  const before = verifies.count;
  for (let i = 0; i < 20; i++) expect((await call('GET', '/api/records', { auth: basic('uketsuke', 'uketsuke-password-1') })).status).to.equal(200);
  expect(verifies.count - before).to.equal(1);
  // A wrong password is never remembered, and still counts as a failure.
  for (let i = 0; i < 2; i++) expect((await call('GET', '/api/records', { auth: basic('uketsuke', 'uketsuke-password-2') })).status).to.equal(401);
  expect(verifies.count - before).to.equal(3);
});

test('a remembered credential expires, can be forgotten, and is kept only as a keyed hash', () => {
  const clock = new VirtualClock(0);
  const cache = new CredentialCache(clock, { ttlMs: 60_000, max: 2 });
  cache.remember('uketsuke', 'uketsuke-password-1', { account: 'uketsuke', role: 'general' });
  expect(cache.get('uketsuke', 'uketsuke-password-1')).to.deep.equal({ account: 'uketsuke', role: 'general' });
  expect(cache.get('uketsuke', 'uketsuke-password-2')).to.equal(null);
  expect(JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries])).not.to.include('password');
  clock.set(60_000);
  expect(cache.get('uketsuke', 'uketsuke-password-1'), 'after the TTL').to.equal(null);
  cache.remember('uketsuke', 'uketsuke-password-1', { account: 'uketsuke', role: 'general' });
  cache.forget('uketsuke');
  expect(cache.get('uketsuke', 'uketsuke-password-1'), 'forgotten (password or role changed)').to.equal(null);
  for (const a of ['a', 'b', 'c']) cache.remember(a, 'pw-12345678', { account: a, role: 'general' });
  expect(cache.size).to.equal(2);
  expect(cache.get('a', 'pw-12345678'), 'the oldest is dropped').to.equal(null);
});
