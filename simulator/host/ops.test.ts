import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatorHost } from '../emulator-host';

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
}

test("every op's arguments are checked against its schema: EMU_ERR_BAD_REQUEST says what, and nothing changes", async (t) => {
  const host = await EmulatorHost.start({ transport: 'memory', readers: 2, control: [], log: () => undefined });
  t.after(() => host.close());
  const before = host.reader(0);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['reset', { identities: [{ serial: 'x'.repeat(65) }] }, 'reset: "identities/0/serial" must not have more than 64 characters'],
    ['reset', { identities: [{ colour: 'red' }] }, 'unknown field(s) for reset at "identities/0": colour'],
    ['reset', { txIdSeed: -1 }, 'reset: "txIdSeed" must be >= 0'],
    ['reset', { identities: [{}, {}, {}] }, '3 identities for 2 readers'],
    ['status', { reader: 0, verbose: true }, 'unknown field(s) for status: verbose'],
    ['confirmations', { limit: 0 }, 'confirmations: "limit" must be >= 1'],
    ['replug', { reboot: 'yes' }, 'replug: "reboot" must be boolean'],
    ['reboot', { reader: -1 }, 'reboot: "reader" must be >= 0'],
  ];
  for (const [op, args, message] of cases)
    expect(await refusal(host.handle(op, args)), `${op} ${JSON.stringify(args)}`).to.deep.equal({ code: 'EMU_ERR_BAD_REQUEST', message });
  expect(host.reader(0)).to.equal(before);
  expect((await refusal(host.handle('status', { reader: 2 }))).code).to.equal('EMU_ERR_UNKNOWN_READER');
});

test("reset's identity capabilities: the bit mask in, the reader's named capabilities, the bit mask out again", async (t) => {
  const host = await EmulatorHost.start({ transport: 'memory', readers: 1, control: [], log: () => undefined });
  t.after(() => host.close());
  const { readers } = (await host.handle('reset', { identities: [{ serial: 'LAB-1', capabilities: 1 | 2 | 128 }] })) as {
    readers: Array<{ identity: Record<string, unknown> }>;
  };
  expect(host.reader(0).identity.capabilities).to.deep.equal(['face', 'pin']);
  // A bit this version does not name (128; 64 is readerVisualCheck) is not kept.
  expect(readers[0]!.identity).to.include({ serial: 'LAB-1', capabilities: 3 });
});
