/**
 * docs/protocol.md against the catalogue in this directory: the code tables of §4 and the message
 * tables of §3 must list exactly what the code sends and accepts (PR-4-1, PR-3.1-3), and no
 * message may have a field that could carry what never crosses the link (PR-1-1).
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { COMMANDS, EVENTS } from './messages';
import { Capability, CardKind, FailReason, Method, Mode, ReaderErrorCode, ReaderState, Status } from './codes';
import { SCREENS } from './screens';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');

/** The `| value | \`name\` | …` rows under the heading that starts with `heading`. */
function tableUnder(heading: string): Array<[number, string]> {
  const start = DOC.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`docs/protocol.md has no heading "${heading}"`);
  const rest = DOC.slice(start + heading.length + 1);
  const section = rest.slice(0, rest.search(/\n#{2,3} /));
  const rows: Array<[number, string]> = [];
  for (const m of section.matchAll(/^\| `?(0x[0-9A-Fa-f]+|\d+)`? \| `([A-Za-z]+)` \|/gm)) rows.push([Number(m[1]), m[2]!]);
  return rows;
}

const entries = (t: object) => Object.entries(t).filter(([, v]) => typeof v === 'number') as Array<[string, number]>;
const asRows = (t: object) => entries(t).map(([k, v]) => [v, k] as [number, string]);
const sorted = (rows: Array<[number, string]>) => [...rows].sort((a, b) => a[0] - b[0]);

test('PR-4-1 every code table of §4 lists exactly the wire values of src/protocol/codes.ts', () => {
  const tables: Array<[string, object]> = [
    ['### 4.1 Mode', Mode],
    ['### 4.2 Status', Status],
    ['### 4.3 ReaderState', ReaderState],
    ['### 4.4 Method', Method],
    ['### 4.5 CardKind', CardKind],
    ['### 4.6 FailReason', FailReason],
    ['### 4.8 ReaderErrorCode', ReaderErrorCode],
    ['### 4.9 Capability bits', Capability],
  ];
  for (const [heading, table] of tables) expect(sorted(tableUnder(heading)), heading).to.deep.equal(sorted(asRows(table)));
  const screens = Object.entries(SCREENS).map(([name, s]) => [s.id, name] as [number, string]);
  expect(sorted(tableUnder('### 4.10 Screens')), 'screens').to.deep.equal(sorted(screens));
});

test('PR-3.1-3 PR-4-1 the message tables of §3.3 and §3.4 list exactly the catalogue: names, TYPEs and fields', () => {
  const commands = [...DOC.matchAll(/^\| `(\w+)` \| `0x([0-9A-F]{2})` \| (.*?) \| `0x([0-9A-F]{2})` \| (.*?) \|$/gm)];
  expect(commands.map((m) => m[1])).to.deep.equal(Object.keys(COMMANDS));
  const fieldsOf = (cell: string) => (cell === '–' ? [] : cell.split(', ').map((f) => f.replace(/`/g, '').split(' ')));
  for (const m of commands) {
    const spec = COMMANDS[m[1] as keyof typeof COMMANDS];
    expect(parseInt(m[2]!, 16), m[1]).to.equal(spec.type);
    expect(parseInt(m[4]!, 16), m[1]).to.equal(spec.type | 0x80);
    expect(fieldsOf(m[3]!), `${m[1]} request`).to.deep.equal(spec.request.map((f) => [...f]));
    expect(fieldsOf(m[5]!), `${m[1]} response`).to.deep.equal(spec.response.map((f) => [...f]));
  }
  const events = [...DOC.matchAll(/^\| `(\w+)` \| `0x([0-9A-F]{2})` \| ([^|]*?) \|$/gm)];
  expect(events.map((m) => m[1])).to.deep.equal(Object.keys(EVENTS));
  for (const m of events) {
    const spec = EVENTS[m[1] as keyof typeof EVENTS];
    expect(parseInt(m[2]!, 16), m[1]).to.equal(spec.type);
    expect(fieldsOf(m[3]!), m[1]).to.deep.equal(spec.fields.map((f) => [...f]));
  }
});

test('PR-1-1 no message has a field that could carry a PIN, an image, 照合番号A/B, the 個人番号 or certificate contents', () => {
  type Field = readonly [string, string];
  const fields: Field[] = [
    ...Object.values(COMMANDS).flatMap((c): Field[] => [...c.request, ...c.response]),
    ...Object.values(EVENTS).flatMap((e): Field[] => [...e.fields]),
  ];
  const allowed = new Set([
    'protocolVersion',
    'host',
    'vendor',
    'model',
    'firmware',
    'serial',
    'capabilities',
    'mode',
    'state',
    'cardPresent',
    'screen',
    'txId',
    'checkId',
    'confirmationDate',
    'cardKind',
    'method',
    'matched',
    'score',
    'attempt',
    'ok',
    'triesLeft',
    'choice',
    'items',
    'cardId',
    'reason',
    'code',
    'bootId',
    // setVisualPassword (PR-3.3-8): a salt and the scrypt verifier of the facility's password and its
    // rule; nothing about a patient, and never the password itself.
    'salt',
    'verifier',
    'maxWrong',
    'lockMinutes',
  ]);
  for (const [name, kind] of fields) {
    expect(allowed.has(name), `field "${name}" is not on the reviewed list: can it carry something that must stay in the reader?`).to.equal(true);
    // Free text crosses only as identity strings of the devices, never about a patient.
    if (kind === 'str') expect(['host', 'vendor', 'model', 'firmware', 'serial']).to.include(name);
  }
  // The one card identifier is a one-way 16-byte hash; the other id16 fields are the facility password's salt and verifier.
  expect(fields.filter(([, kind]) => kind === 'id16').map(([n]) => n)).to.deep.equal(['salt', 'verifier', 'cardId']);
});
