import { test } from 'node:test';
import { expect } from 'chai';
import type { Actor } from '../reader/accounts';
import { VirtualClock } from '../time/virtual-clock';
import { SessionStore } from './sessions';

const staff: Actor = { account: 'uketsuke', role: 'general' };

test('sessions that expire and are never used again are swept, not kept for ever', async () => {
  const clock = new VirtualClock(0);
  const sessions = new SessionStore(clock);
  // A day of logins whose cookies are thrown away (a browser closed, a script that logs in each time).
  for (let i = 0; i < 5_000; i++) sessions.create(staff);
  await clock.advance(sessions.idleMs + 1);
  const kept = sessions.create(staff);
  expect(sessions.size).to.equal(1);
  expect(sessions.get(kept.id)).to.equal(kept);
});

test('at most max sessions are kept; the least recently used goes first, one in use stays', async () => {
  const clock = new VirtualClock(0);
  const sessions = new SessionStore(clock, 8 * 3600_000, 100);
  const first = sessions.create(staff);
  for (let i = 0; i < 1_000; i++) {
    sessions.create(staff);
    await clock.advance(1000);
    expect(sessions.get(first.id), `in use after ${i} other logins`).to.equal(first);
  }
  expect(sessions.size).to.equal(100);
});

test('a session idle past its expiry is gone, one used within it is kept', async () => {
  const clock = new VirtualClock(0);
  const sessions = new SessionStore(clock, 1000);
  const a = sessions.create(staff);
  const b = sessions.create(staff);
  await clock.advance(600);
  expect(sessions.get(a.id)).to.equal(a);
  await clock.advance(600);
  expect(sessions.get(a.id)).to.equal(a);
  expect(sessions.get(b.id)).to.equal(null);
  expect(sessions.size).to.equal(1);
});
