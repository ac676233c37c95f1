import { test } from 'node:test';
import { expect } from 'chai';
import { displayDate, normaliseDateText, parseConfirmationDate, todayJst } from './dates';
import { OqsError } from './errors';

// 2026-11-24 10:00 JST
const NOW = Date.UTC(2026, 10, 24, 1, 0);

function refusal(text: string, now = NOW): OqsError {
  try {
    parseConfirmationDate(text, now);
  } catch (e) {
    expect(e).to.be.instanceOf(OqsError);
    return e as OqsError;
  }
  throw new Error(`"${text}" was accepted`);
}

test('accepts YYYY/MM/DD and returns the wire form YYYYMMDD', () => {
  expect(parseConfirmationDate('2020/10/30', NOW)).to.equal('20201030');
});

test('accepts the leap day 2024/02/29', () => {
  expect(parseConfirmationDate('2024/02/29', NOW)).to.equal('20240229');
});

test('accepts today (JST)', () => {
  expect(parseConfirmationDate('2026/11/24', NOW)).to.equal('20261124');
});

const BAD = ['2020-10-30', '2020/1/3', '2020/02/30', '', '20201030', '2021/02/29', '2020/13/01', '2020/00/10', '2020/10/00', '2020/04/31', '2020/10/300'];

for (const text of BAD) {
  test(`rejects ${JSON.stringify(text)} with OQS_ERR_DATE_FORMAT naming YYYY/MM/DD`, () => {
    const e = refusal(text);
    expect(e.code).to.equal('OQS_ERR_DATE_FORMAT');
    expect(e.message).to.include('YYYY/MM/DD');
    expect(e.statusCode).to.equal(400);
  });
}

// IME input (issue 10): full-width digits and slash, as a Japanese IME types them, are the same date.
test('full-width digits and slashes (IME) are normalised: ２０２６／１１／０１ is 2026/11/01', () => {
  expect(normaliseDateText('２０２６／１１／０１')).to.equal('2026/11/01');
  expect(parseConfirmationDate('２０２６／１１／０１', NOW)).to.equal('20261101');
  expect(parseConfirmationDate('２０２０/10/30', NOW)).to.equal('20201030');
  // spaces an IME leaves around the text (half- or full-width) are not part of the date
  expect(parseConfirmationDate('\u30002020/10/30 ', NOW)).to.equal('20201030');
});

test('a month or day in one digit is refused with the exact text to type instead', () => {
  for (const [typed, exact] of [
    ['2026/11/1', '2026/11/01'],
    ['２０２０／１／３', '2020/01/03'],
  ] as const) {
    const e = refusal(typed);
    expect(e.code).to.equal('OQS_ERR_DATE_FORMAT');
    expect(e.messageJa).to.include(`「${exact}」`);
    expect(e.message).to.include(exact);
  }
});

test('every date refusal has a Japanese message that says what to type', () => {
  for (const text of BAD) {
    const e = refusal(text);
    expect(e.messageJa, text).to.match(/「\d{4}\/\d{2}\/\d{2}」/);
    expect(e.messageJa, text).to.not.match(/[A-Za-z]{3,}/);
  }
  expect(refusal('20201030').messageJa).to.include('「2020/10/30」');
});

test('the accepted range is 1900/01/01 to today; before it is OQS_ERR_DATE_RANGE, not a format error', () => {
  expect(parseConfirmationDate('1900/01/01', NOW)).to.equal('19000101');
  const e = refusal('1899/12/31');
  expect(e.code).to.equal('OQS_ERR_DATE_RANGE');
  expect(e.message).to.include('1900/01/01').and.include('2026/11/24');
  expect(e.messageJa).to.include('1900/01/01');
  expect(refusal('0001/01/01').code).to.equal('OQS_ERR_DATE_RANGE');
});

test('a future date is refused with OQS_ERR_DATE_FUTURE naming today', () => {
  const e = refusal('2026/11/25');
  expect(e.code).to.equal('OQS_ERR_DATE_FUTURE');
  expect(e.message).to.include('2026/11/25');
  expect(e.message).to.include('2026/11/24');
  expect(refusal('2027/01/01').code).to.equal('OQS_ERR_DATE_FUTURE');
});

test('"today" is the Japanese day: 2026/11/25 is future at 14:59 UTC and today at 15:00 UTC', () => {
  const before = Date.UTC(2026, 10, 24, 14, 59, 59, 999);
  const after = Date.UTC(2026, 10, 24, 15, 0);
  expect(refusal('2026/11/25', before).code).to.equal('OQS_ERR_DATE_FUTURE');
  expect(parseConfirmationDate('2026/11/25', after)).to.equal('20261125');
});

test('todayJst rolls over at 15:00 UTC (midnight JST)', () => {
  expect(todayJst(Date.UTC(2026, 10, 24, 0, 0))).to.equal('2026/11/24');
  expect(todayJst(Date.UTC(2026, 10, 24, 14, 59, 59, 999))).to.equal('2026/11/24');
  expect(todayJst(Date.UTC(2026, 10, 24, 15, 0, 0, 0))).to.equal('2026/11/25');
  // the previous UTC evening is already the next day in Japan
  expect(todayJst(Date.UTC(2026, 10, 23, 15, 0))).to.equal('2026/11/24');
});

test('todayJst rolls over the year and pads month and day', () => {
  expect(todayJst(Date.UTC(2026, 11, 31, 14, 59))).to.equal('2026/12/31');
  expect(todayJst(Date.UTC(2026, 11, 31, 15, 0))).to.equal('2027/01/01');
  expect(todayJst(Date.UTC(2027, 0, 4, 3, 0))).to.equal('2027/01/04');
});

test('displayDate turns the wire form back into YYYY/MM/DD', () => {
  expect(displayDate('20201030')).to.equal('2020/10/30');
});

test('an empty 資格確認日 is named as empty for staff, not as empty quotes', () => {
  const e = (() => {
    try {
      parseConfirmationDate('', Date.UTC(2026, 11, 1, 3, 0));
    } catch (err) {
      return err as OqsError;
    }
    return null;
  })();
  expect(e?.code).to.equal('OQS_ERR_DATE_FORMAT');
  expect(e?.messageJa).to.match(/^資格確認日「（空欄）」は受け付けられません。/);
});
