/**
 * The privacy check of result files (steps/result-files.steps.ts, DOM-PRIV-1/2): it finds what a
 * leak would look like, and a clean file passes whatever the clock and the file identifier hold.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { syntheticQualification } from '../../simulator/eligibility';
import { encodeResult, fileIdOf, resultXml, type ResultFileInput } from '../../src/reader/result-files';
import { privateDataIn } from './result-folder';
import { SCENARIO_PINS } from './vocabulary';

function file(recordId: string, processedAt: number, change: (xml: string) => string = (x) => x, characterCode: 'utf8' | 'sjis' = 'utf8'): Buffer {
  const input: ResultFileInput = {
    processedAt,
    confirmationDate: '2026/11/24',
    fileId: fileIdOf(recordId),
    medicalInstitutionCode: '9999999999',
    characterCode,
    content: {
      kind: 'answer',
      consent: { items: 7, at: processedAt },
      answer: {
        processingResultStatus: '1',
        processingResultCode: null,
        processingResultMessage: null,
        qualificationValidity: '1',
        results: [syntheticQualification('normal')],
      },
    },
  };
  return encodeResult(change(resultXml(input)), characterCode);
}

// 10:00:00 JST: every time in the file holds "0000".
const TEN = Date.UTC(2026, 10, 24, 1, 0, 0);

test('a clean file passes even when its identifier holds 12 digits or its times hold "0000" (a tap-profile run once failed so)', () => {
  // fileIdOf('EMU-0001:80') is C738566972057F53: twelve digits in a row, by chance.
  expect(fileIdOf('EMU-0001:80')).to.match(/\d{12}/);
  for (const id of ['EMU-0001:80', 'EMU-0001:1']) {
    for (const code of ['utf8', 'sjis'] as const)
      expect(privateDataIn(file(id, TEN, undefined, code), SCENARIO_PINS, new Set([fileIdOf(id)]))).to.deep.equal([]);
  }
});

test('a leak is found: a PIN, a 12-digit number, image bytes, a base64 blob, an identifier that is no record’s', () => {
  const id = 'EMU-0001:1';
  const ids = new Set([fileIdOf(id)]);
  const leak = (s: string) => file(id, TEN, (x) => x.replace('</MessageHeader>', `${s}</MessageHeader>`));
  expect(privateDataIn(leak('<Pin>4729</Pin>'), SCENARIO_PINS, ids)).to.deep.equal(['a PIN']);
  expect(privateDataIn(leak('<Note>PIN0000;</Note>'), SCENARIO_PINS, ids)).to.deep.equal(['a PIN']);
  expect(privateDataIn(leak('<Kojin>123456789012</Kojin>'), SCENARIO_PINS, ids)).to.deep.equal(['a 12-digit number: 12…']);
  expect(privateDataIn(leak(`<Face>${'QUJD'.repeat(60)}</Face>`), SCENARIO_PINS, ids)).to.deep.equal(['a base64 blob']);
  const jpeg = Buffer.concat([leak(''), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]);
  expect(privateDataIn(jpeg, SCENARIO_PINS, ids)).to.have.members([
    'image bytes ffd8ff',
    'not a result file: The encoded data was not valid for encoding utf-8',
  ]);
  expect(privateDataIn(leak(''), SCENARIO_PINS, new Set([fileIdOf('EMU-0001:2')]))).to.deep.equal([
    `ArbitraryFileIdentifier ${fileIdOf(id)} is not the one-way id of a record`,
  ]);
});
