import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EmulatorHost } from './emulator-host';
import { MAX_READERS, STIMULUS_ACTIONS, stimulusProblem, type Stimulus } from './stimulus';

test('every act with its own fields is a stimulus; the limits are those of docs/emulator.md', () => {
  const good: Stimulus[] = [
    { action: 'placeCard' },
    { action: 'placeCard', profile: 'normal', reader: MAX_READERS - 1 },
    { action: 'chooseMethod', method: 'pin' },
    { action: 'presentFace', condition: 'mask' },
    { action: 'enterPin', pin: '0123' },
    { action: 'enterCorrectPin' },
    { action: 'enterWrongPin' },
    { action: 'answerConsent', choice: 'individual', items: 7 },
    { action: 'removeCard', reader: 0 },
    { action: 'chooseVisualCheck' },
    { action: 'enterFacilityPassword', password: 'synthetic-facility-pw' },
    { action: 'confirmVisually' },
  ];
  for (const s of good) expect(stimulusProblem(s), JSON.stringify(s)).to.equal(null);
  expect(STIMULUS_ACTIONS).to.have.length(11);
});

test('a bad stimulus is refused with a message about the act it names', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'a stimulus is an object with an "action"'],
    [['placeCard'], 'a stimulus is an object with an "action"'],
    [{ action: 'dance' }, `"action" must be one of ${STIMULUS_ACTIONS.join(', ')}, got "dance"`],
    [{ profile: 'normal' }, '"action" must be one of'],
    // A field of another act is not silently ignored.
    [{ action: 'placeCard', pin: '1234' }, 'unknown field(s) for placeCard: pin'],
    [{ action: 'removeCard', colour: 'red' }, 'unknown field(s) for removeCard: colour'],
    [{ action: 'enterPin' }, 'enterPin needs "pin"'],
    [{ action: 'enterFacilityPassword' }, 'enterFacilityPassword needs "password"'],
    [{ action: 'enterPin', pin: '12345' }, 'enterPin: "pin" must match pattern'],
    [{ action: 'chooseMethod', method: 'iris' }, 'chooseMethod: "method" must be one of face, pin'],
    [{ action: 'answerConsent', choice: 'some' }, 'answerConsent: "choice" must be one of all, individual'],
    [{ action: 'answerConsent', items: 8 }, 'answerConsent: "items" must be <= 7'],
    [{ action: 'presentFace', condition: 'x'.repeat(65) }, 'presentFace: "condition" must not have more than 64 characters'],
    [{ action: 'placeCard', reader: MAX_READERS }, `placeCard: "reader" must be <= ${MAX_READERS - 1}`],
    [{ action: 'placeCard', reader: 1.5 }, 'placeCard: "reader" must be integer'],
  ];
  for (const [value, message] of cases) expect(stimulusProblem(value), JSON.stringify(value)).to.be.a('string').that.includes(message);
});

test('docs/emulator.md names every action of the one schema', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'emulator.md'), 'utf8');
  const paragraph = doc.slice(doc.indexOf('Stimulus actions are'), doc.indexOf('Unknown fields are refused'));
  for (const action of STIMULUS_ACTIONS) expect(paragraph, action).to.include(`\`${action}\``);
});

test('the control channel checks a stimulus against the same schema: coded EMU_ERR_BAD_REQUEST, nothing done', async (t) => {
  const host = await EmulatorHost.start({ transport: 'memory', readers: 1, control: [], log: () => undefined });
  t.after(() => host.close());
  const refusal = async (args: Record<string, unknown>) => {
    try {
      await host.handle('stimulus', args);
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message };
    }
    throw new Error(`${JSON.stringify(args)} was accepted`);
  };
  expect(await refusal({ action: 'placeCard', pin: '1234' })).to.deep.equal({ code: 'EMU_ERR_BAD_REQUEST', message: 'unknown field(s) for placeCard: pin' });
  expect(await refusal({ action: 'enterPin' })).to.deep.equal({ code: 'EMU_ERR_BAD_REQUEST', message: 'enterPin needs "pin"' });
  expect(host.reader(0).model.card).to.equal(null);
  // Within the limits, the reader's own refusals keep their codes.
  expect((await refusal({ action: 'removeCard' })).code).to.equal('EMU_ERR_NO_CARD');
  expect(await host.handle('stimulus', { action: 'placeCard', profile: 'normal' })).to.include({ reader: 0 });
  expect(host.reader(0).model.card).to.not.equal(null);
});
