#!/usr/bin/env node
// The real-serial paths end to end, against `oqs-reader emulate` on pseudo-terminals:
//  1. the hardware profile, every physical act a prompt answered by an answers file whose robot
//     is the emulator's control channel;
//  2. `oqs-reader certify` → a bundle that `certify --verify` accepts, and refuses after one byte
//     of one file changes;
//  3. certify under a one-reader lab declaration: scenarios it cannot support are N/A with reasons.
// Writes reports/serial-selftest.xml (one test case per check) for the totals line.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'oqs-reader.js');
const cases = [];
const check = (name, ok, detail = '') => {
  cases.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oqs-selftest-'));
  const control = `unix:${path.join(dir, 'control.sock')}`;
  const emu = spawn(process.execPath, [bin, 'emulate', '--readers', '2', '--link-dir', dir, '--control', control], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('emulator not ready in 30 s')), 30000);
      emu.once('exit', (c) => reject(new Error(`emulator exited with ${c}`)));
      readline.createInterface({ input: emu.stdout }).on('line', (l) => {
        if (l.startsWith('OQS-EMULATOR-READY ')) {
          clearTimeout(t);
          resolve(JSON.parse(l.slice(19)));
        }
      });
    });
    const ports = ready.readers.join(',');
    const answers = path.join(dir, 'answers.json');
    fs.writeFileSync(answers, JSON.stringify({ answers: { '*': 'PASS' }, robot: { emulatorControl: control } }));
    const env = { ...process.env, READER_PORT: ports, OQS_ANSWERS: answers };

    const hw = spawnSync(path.join(root, 'node_modules', '.bin', 'cucumber-js'), ['-p', 'hardware'], { cwd: root, env, stdio: 'inherit' });
    check('hardware profile against the pty emulator, prompts answered by an answers file + robot', hw.status === 0, `exit ${hw.status}`);

    const out = path.join(root, 'reports', 'certification');
    const run = (args) => spawnSync(process.execPath, [bin, 'certify', ...args], { cwd: root, env, encoding: 'utf8' });
    const before = new Set(fs.existsSync(out) ? fs.readdirSync(out) : []);
    const cert = run(['--port', ports, '--declaration', 'declarations/emulator.json', '--answers', answers, '--out', out]);
    process.stdout.write(cert.stdout.split('\n').filter((l) => !/^\.+$/.test(l)).join('\n'));
    const bundle = fs.readdirSync(out).filter((d) => !before.has(d)).map((d) => path.join(out, d))[0];
    check('certify against the pty emulator passes and writes a bundle', cert.status === 0 && !!bundle, bundle ? path.relative(root, bundle) : `exit ${cert.status}`);
    if (bundle) {
      const ok = run(['--verify', bundle]);
      check('certify --verify accepts the untouched bundle', ok.status === 0, ok.stdout.trim().split('\n').pop());
      const copy = path.join(dir, 'tampered');
      fs.cpSync(bundle, copy, { recursive: true });
      const victim = path.join(copy, 'cucumber.json');
      const bytes = fs.readFileSync(victim);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      fs.writeFileSync(victim, bytes);
      const bad = run(['--verify', copy]);
      check('certify --verify refuses a bundle with one byte changed', bad.status === 1 && /cucumber\.json: changed/.test(bad.stdout), bad.stdout.trim().split('\n')[0]);
    }

    const one = run(['--port', ready.readers[0], '--declaration', 'declarations/emulator-one-reader.json', '--answers', answers, '--out', path.join(dir, 'one')]);
    const report = (() => {
      try {
        const b = fs.readdirSync(path.join(dir, 'one'))[0];
        return JSON.parse(fs.readFileSync(path.join(dir, 'one', b, 'cucumber.json'), 'utf8'));
      } catch {
        return [];
      }
    })();
    const na = report.flatMap((f) => f.elements || []).filter((s) => (s.steps || []).some((st) => (st.embeddings || []).some((e) => /not applicable: /.test(Buffer.from(e.data, 'base64').toString('utf8')) || /not applicable: /.test(e.data))));
    check('a one-reader lab declaration makes what it cannot support N/A with a reason, and still passes', one.status === 0 && na.length > 0, `${na.length} scenarios N/A; exit ${one.status}`);
  } catch (e) {
    check('serial self-test ran', false, e.message);
  } finally {
    emu.kill('SIGTERM');
    await new Promise((r) => (emu.exitCode !== null ? r() : emu.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const xml = ['<?xml version="1.0"?>', `<testsuites><testsuite name="serial-selftest" tests="${cases.length}">`]
    .concat(cases.map((c) => (c.ok ? `<testcase name="${esc(c.name)}"/>` : `<testcase name="${esc(c.name)}"><failure message="${esc(c.detail)}"/></testcase>`)))
    .concat(['</testsuite></testsuites>']);
  fs.mkdirSync(path.join(root, 'reports'), { recursive: true });
  fs.writeFileSync(path.join(root, 'reports', 'serial-selftest.xml'), xml.join('\n') + '\n');
  process.exit(cases.every((c) => c.ok) ? 0 : 1);
}
main();
