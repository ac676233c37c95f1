import { test } from 'node:test';
import { expect } from 'chai';
import { FailReason, SCREENS, screenCode, type EventName, type ScreenName } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { CARD_PROFILES, certificateState, refusalOnPlacement, type CardProfile } from './cards';
import { ReaderModel } from './reader-model';

// The 利用者証明用電子証明書 around its expiry (domain.md §1.2, §1.6) and the reader codes 001/002/006.

const NOW = Date.UTC(2026, 10, 24, 0, 30); // 2026/11/24 09:30 JST
const day = 86_400_000;
const expiringIn = (days: number): CardProfile => ({ ...CARD_PROFILES.normal, certExpiresInDays: days });

test('certificateState: 3 calendar months either side of the expiry date', () => {
  // 2026/11/24 + 3 months = 2027/02/24 (92 days); 2026/11/24 − 3 months = 2026/08/24 (92 days).
  expect(certificateState(expiringIn(1500), NOW)).to.equal('valid');
  expect(certificateState(expiringIn(93), NOW)).to.equal('valid');
  expect(certificateState(expiringIn(92), NOW)).to.equal('renewSoon');
  expect(certificateState(expiringIn(0), NOW)).to.equal('renewSoon');
  expect(certificateState(expiringIn(-1), NOW)).to.equal('grace');
  expect(certificateState(expiringIn(-92), NOW)).to.equal('grace');
  expect(certificateState(expiringIn(-93), NOW)).to.equal('expired');
  // The JST day counts: 23:30 UTC on the 23rd is already the 24th in Japan.
  expect(certificateState(expiringIn(-92), Date.UTC(2026, 10, 23, 23, 30))).to.equal('grace');
  // From 2026/12/24, 3 months is 90 days (December, January, a short February).
  expect(certificateState(expiringIn(90), NOW + 30 * day)).to.equal('renewSoon');
  expect(certificateState(expiringIn(91), NOW + 30 * day)).to.equal('valid');
});

test('the profiles sit inside their windows, and only the long-expired, unreadable and non-My-Number cards are refused', () => {
  expect(certificateState(CARD_PROFILES.certExpiringSoon, NOW)).to.equal('renewSoon');
  expect(certificateState(CARD_PROFILES.certRecentlyExpired, NOW)).to.equal('grace');
  expect(certificateState(CARD_PROFILES.certExpired, NOW)).to.equal('expired');
  const refused = Object.entries(CARD_PROFILES)
    .map(([name, p]) => [name, refusalOnPlacement(p, NOW)])
    .filter(([, r]) => r !== null);
  expect(Object.fromEntries(refused)).to.deep.equal({ certExpired: 'certExpired', notMyNumber: 'notMyNumberCard', unreadable: 'cardUnreadable' });
});

test('screen codes: 001 not recognised, 002 not a My Number card, 006 certificate expired; none elsewhere', () => {
  const coded = (Object.keys(SCREENS) as ScreenName[]).filter((s) => screenCode(s) !== null);
  expect(Object.fromEntries(coded.map((s) => [s, screenCode(s)]))).to.deep.equal({ certExpired: '006', notMyNumberCard: '002', cardUnreadable: '001' });
});

function visit(profile: string) {
  const clock = new VirtualClock(NOW);
  const model = new ReaderModel({ clock, txIdSeed: 0 });
  const sent: Array<{ name: EventName; fields: Record<string, number | string> }> = [];
  model.attach((name, fields) => sent.push({ name, fields: fields as Record<string, number | string> }));
  const act = async (fn: () => void | Promise<void>) => {
    await clock.resolve(Promise.resolve().then(fn));
    await clock.runUntilIdle();
  };
  const names = () => sent.map((e) => e.name);
  const screens = () => sent.filter((e) => e.name === 'screenShown').map((e) => e.fields.screen);
  return { model, sent, act, names, screens, place: () => act(() => model.placeCard(profile)) };
}

for (const [profile, last] of [
  ['certExpiringSoon', 'doneCertRenewal'],
  ['certRecentlyExpired', 'doneCertGrace'],
  ['normal', 'done'],
] as const) {
  test(`${profile}: confirmed by face, consent, and the reader ends on ${last}`, async () => {
    const v = visit(profile);
    await v.place();
    await v.act(() => v.model.chooseMethod('face'));
    await v.act(() => v.model.presentFace());
    await v.act(() => v.model.answerConsent('all'));
    expect(v.names()).to.include('identityConfirmed').and.not.include('identityFailed');
    expect(v.screens().at(-1)).to.equal(SCREENS[last].id);
    expect(v.model.state).to.equal('complete');
  });
}

for (const [profile, reason, screen, kind] of [
  ['certExpired', 'certExpired', 'certExpired', 1],
  ['notMyNumber', 'notMyNumberCard', 'notMyNumberCard', 3],
  ['unreadable', 'cardUnreadable', 'cardUnreadable', 4],
] as const) {
  test(`${profile}: refused when placed (${reason}, code ${screenCode(screen)}), nothing more is offered`, async () => {
    const v = visit(profile);
    await v.place();
    expect(v.names()).to.deep.equal(['cardPlaced', 'identityFailed', 'screenShown']);
    expect(v.sent[0]!.fields.cardKind).to.equal(kind);
    expect(v.sent[1]!.fields.reason).to.equal(FailReason[reason]);
    expect(v.screens()).to.deep.equal([SCREENS[screen].id]);
    expect(v.model.state).to.equal('halted');
    expect(() => v.model.chooseMethod('face')).to.throw();
  });
}
