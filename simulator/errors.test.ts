import { test } from 'node:test';
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_ERRORS, EmulatorError, type EmulatorErrorCode } from './errors';

const ROOT = join(__dirname, '..');

test("every emulator code has a fault class, and an EmulatorError carries it with both languages' messages", () => {
  for (const code of Object.keys(EMULATOR_ERRORS) as EmulatorErrorCode[]) {
    const e = new EmulatorError(code, 'x', 'y');
    expect(['peer', 'caller', 'transport', 'internal'], code).to.include(e.fault);
    expect(e.fault, code).to.equal(EMULATOR_ERRORS[code][0]);
    expect(e.messageJa, code).to.match(/[ぁ-んァ-ン一-龥]/);
  }
  const e = new EmulatorError('EMU_ERR_UNKNOWN_PROFILE', 'gold', 'normal, infant');
  expect([e.code, e.fault, e.message]).to.deep.equal(['EMU_ERR_UNKNOWN_PROFILE', 'caller', 'unknown card profile "gold"; expected one of: normal, infant']);
  expect(new EmulatorError('EMU_ERR_PTY', 'no pty here').fault).to.equal('transport');
  expect(new EmulatorError('EMU_ERR_INTERNAL', 'oops').fault).to.equal('internal');
});

test('one table per side: every EMU_ERR code the shipped code and docs use is in this one (no second table)', () => {
  const used = new Map<string, string>();
  const tables: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|js|cjs|mjs|md|feature)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        const text = readFileSync(join(ROOT, rel), 'utf8');
        for (const [code] of text.matchAll(/\bEMU_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) used.set(code, rel);
        // A table is an object literal keyed by codes: `EMU_ERR_X: …` at the start of a line.
        if (/^\s+(EMU|OQS)_ERR_[A-Z_]+: /m.test(text) && /\.ts$/.test(rel)) tables.push(rel);
      }
    }
  };
  for (const dir of ['src', 'simulator', 'steps', 'features', 'scripts', 'bench', 'public', 'docs']) if (existsSync(join(ROOT, dir))) walk(dir);
  expect([...used].filter(([code]) => !Object.hasOwn(EMULATOR_ERRORS, code)).map(([c, where]) => `${c} (${where})`)).to.deep.equal([]);
  expect(tables.sort()).to.deep.equal(['simulator/errors.ts', 'src/reader/errors.ts']);
});
