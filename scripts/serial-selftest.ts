/**
 * The real-serial paths end to end, against `oqs-reader emulate` on pseudo-terminals:
 *  1. the hardware profile, every physical act a prompt answered by an answers file whose robot
 *     is the emulator's control channel;
 *  2. `oqs-reader certify keygen`, then certify → a signed bundle that `certify --verify --trust`
 *     accepts, and refuses after one byte changes, after the verdict is edited (hash recomputed, or
 *     re-signed with another key, or re-signed with the right key but disagreeing with cucumber.json);
 *  3. a declaration whose reader count does not match the ports is refused before the run;
 *  4. certify under a one-reader lab declaration on one port: what it cannot support is N/A.
 * A node:test file: one test case per check, reported by node's reporters (scripts/test-all.sh:
 * `sh scripts/lib/node-test.sh serial-selftest scripts/serial-selftest.ts`).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { WatchedProcess } from '../src/util/child-lines';
import { reportChecks, type CheckResult } from './lib/checks';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'oqs-reader.js');

async function selftest(): Promise<CheckResult[]> {
  const cases: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail = '') => {
    cases.push({ name, ok, detail });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oqs-selftest-'));
  const control = `unix:${path.join(dir, 'control.sock')}`;
  const emu = WatchedProcess.node([bin, 'emulate', '--readers', '2', '--link-dir', dir, '--control', control], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = JSON.parse((await emu.line(/^OQS-EMULATOR-READY (.*)$/, 30_000, 'the emulator ready'))[1]!) as { readers: string[] };
    const ports = ready.readers.join(',');

    // README's vendor path, as written: the emulator's readers, the ports and the declaration agree.
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8').replace(/\\\n\s*/g, ' ');
    const emuLine = /emulate --readers (\d+)[^\n]*/.exec(readme.slice(readme.indexOf('A vendor certifies')));
    const certLine = /certify --port (\S+)\s+--declaration (\S+)/.exec(readme.slice(readme.indexOf('A vendor certifies')));
    const declared = (() => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(root, certLine![2]!), 'utf8')) as { readers: number }).readers;
      } catch {
        return NaN; // no such declaration in the repository
      }
    })();
    const readmePorts = certLine ? certLine[1]!.split(',').length : NaN;
    check(
      "README's vendor path: as many emulated readers and ports as its declaration's readers",
      !!emuLine && !!certLine && Number(emuLine[1]) === readmePorts && readmePorts === declared,
      certLine
        ? `emulate --readers ${emuLine && emuLine[1]}, ${readmePorts} port(s), ${certLine[2]} declares ${declared}`
        : 'no certify --port … --declaration … in README',
    );
    const answers = path.join(dir, 'answers.json');
    fs.writeFileSync(answers, JSON.stringify({ answers: { '*': 'PASS' }, robot: { emulatorControl: control } }));
    const env = { ...process.env, READER_PORT: ports, OQS_ANSWERS: answers };

    const hw = spawnSync(path.join(root, 'node_modules', '.bin', 'cucumber-js'), ['-p', 'hardware'], { cwd: root, env, stdio: 'inherit' });
    check('hardware profile against the pty emulator, prompts answered by an answers file + robot', hw.status === 0, `exit ${hw.status}`);

    const out = path.join(root, 'reports', 'certification');
    const run = (args: string[]) => spawnSync(process.execPath, [bin, 'certify', ...args], { cwd: root, env, encoding: 'utf8' });
    const last = (r: SpawnSyncReturns<string>) => `${(r.stdout || r.stderr || '').trim().split('\n').pop()} (exit ${r.status})`;

    // The signing key lives outside the repository (here: the test's temp dir), as docs/certification.md says.
    const key = path.join(dir, 'keys', 'certify-key.pem');
    const kg = run(['keygen', '--out', key]);
    const fingerprint = (/fingerprint: (sha256:[0-9a-f]{64})/.exec(kg.stdout) || [])[1];
    check(
      'certify keygen writes an Ed25519 key pair outside the repository and prints its fingerprint',
      kg.status === 0 && !!fingerprint && (fs.statSync(key).mode & 0o077) === 0,
      last(kg),
    );
    const inRepo = run(['keygen', '--out', path.join(root, 'reports', 'certify-key.pem')]);
    check(
      'certify keygen refuses to put a private key inside the repository',
      inRepo.status === 2 && !fs.existsSync(path.join(root, 'reports', 'certify-key.pem')),
      last(inRepo),
    );

    // README's vendor path with one port but a two-reader declaration: refused before anything runs.
    const listed = () => new Set(fs.existsSync(out) ? fs.readdirSync(out) : []);
    let before = listed();
    const mismatch = run(['--port', ready.readers[0]!, '--declaration', 'declarations/emulator.json', '--answers', answers, '--out', out, '--key', key]);
    const made = [...listed()].filter((d) => !before.has(d));
    check(
      'certify refuses a declaration (2 readers) given 1 port, before the run, saying why in Japanese and English',
      mismatch.status === 2 && /申告.*2 台/.test(mismatch.stderr) && /2 reader\(s\) but 1 port\(s\)/.test(mismatch.stderr) && made.length === 0,
      last(mismatch),
    );

    before = listed();
    const cert = run(['--port', ports, '--declaration', 'declarations/emulator.json', '--answers', answers, '--out', out, '--key', key]);
    process.stdout.write(
      cert.stdout
        .split('\n')
        .filter((l) => !/^\.+$/.test(l))
        .join('\n'),
    );
    const bundle = [...listed()].filter((d) => !before.has(d)).map((d) => path.join(out, d))[0];
    check(
      'certify (two ports, declarations/emulator.json, answers file + robot) passes and writes a signed bundle',
      cert.status === 0 && !!bundle && fs.existsSync(path.join(bundle, 'manifest.sig.json')),
      bundle ? path.relative(root, bundle) : last(cert),
    );
    if (bundle) {
      const ok = run(['--verify', bundle, '--trust', fingerprint!]);
      check('certify --verify --trust <fingerprint> accepts the untouched bundle', ok.status === 0, last(ok));
      const noTrust = run(['--verify', bundle]);
      check(
        'certify --verify without --trust refuses (a bundle never vouches for its own key)',
        noTrust.status === 1 && /--trust/.test(noTrust.stdout),
        last(noTrust),
      );

      const tampered = (name: string, edit: (copy: string) => void) => {
        const copy = path.join(dir, name);
        fs.cpSync(bundle, copy, { recursive: true });
        edit(copy);
        return run(['--verify', copy, '--trust', fingerprint!]);
      };
      const flip = tampered('flipped', (copy) => {
        const victim = path.join(copy, 'cucumber.json');
        const bytes = fs.readFileSync(victim);
        bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
        fs.writeFileSync(victim, bytes);
      });
      check(
        'certify --verify refuses a bundle with one byte changed',
        flip.status === 1 && /cucumber\.json: changed/.test(flip.stdout),
        flip.stdout.trim().split('\n')[0],
      );

      // The verdict edited in report.html, and manifest.json's hash recomputed to match.
      const editVerdict = (copy: string) => {
        const report = path.join(copy, 'report.html');
        fs.writeFileSync(
          report,
          fs
            .readFileSync(report, 'utf8')
            .replace(/合格 PASS/g, '不合格 FAIL')
            .replace('content="PASS"', 'content="FAIL"'),
        );
        const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
        manifest.files['report.html'] = crypto.createHash('sha256').update(fs.readFileSync(report)).digest('hex');
        fs.writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
      };
      const rehashed = tampered('rehashed', editVerdict);
      check(
        'certify --verify refuses an edited verdict whose manifest hash was recomputed (signature)',
        rehashed.status === 1 && /signature does not match/.test(rehashed.stdout),
        rehashed.stdout.trim().split('\n')[0],
      );

      const resign = (copy: string, privatePem: string | Buffer) => {
        const sigPath = path.join(copy, 'manifest.sig.json');
        const sig = JSON.parse(fs.readFileSync(sigPath, 'utf8')) as Record<string, string>;
        const k = crypto.createPrivateKey(privatePem);
        const pub = crypto.createPublicKey(k);
        sig.publicKey = pub.export({ type: 'spki', format: 'pem' }).toString();
        sig.fingerprint = `sha256:${crypto
          .createHash('sha256')
          .update(pub.export({ type: 'spki', format: 'der' }))
          .digest('hex')}`;
        sig.value = crypto.sign(null, fs.readFileSync(path.join(copy, 'manifest.json')), k).toString('base64');
        fs.writeFileSync(sigPath, JSON.stringify(sig, null, 2) + '\n');
      };
      const other = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      const wrongKey = tampered('wrong-key', (copy) => (editVerdict(copy), resign(copy, other)));
      check(
        'certify --verify refuses an edited bundle re-signed with another key (not trusted)',
        wrongKey.status === 1 && /not trusted/.test(wrongKey.stdout),
        wrongKey.stdout.trim().split('\n')[0],
      );
      const disagree = tampered('disagree', (copy) => (editVerdict(copy), resign(copy, fs.readFileSync(key, 'utf8'))));
      check(
        'certify --verify refuses a signed report whose verdict disagrees with its cucumber results',
        disagree.status === 1 && /verdict FAIL, but the cucumber results in the bundle give PASS/.test(disagree.stdout),
        disagree.stdout.trim().split('\n')[0],
      );
    }

    const one = run([
      '--port',
      ready.readers[0]!,
      '--declaration',
      'declarations/emulator-one-reader.json',
      '--answers',
      answers,
      '--out',
      path.join(dir, 'one'),
      '--key',
      key,
    ]);
    type Embedded = { elements?: Array<{ steps?: Array<{ embeddings?: Array<{ data: string }> }> }> };
    const report = ((): Embedded[] => {
      try {
        const b = fs.readdirSync(path.join(dir, 'one'))[0]!;
        return JSON.parse(fs.readFileSync(path.join(dir, 'one', b, 'cucumber.json'), 'utf8')) as Embedded[];
      } catch {
        return [];
      }
    })();
    const na = report
      .flatMap((f) => f.elements || [])
      .filter((s) =>
        (s.steps || []).some((st) =>
          (st.embeddings || []).some((e) => /not applicable: /.test(Buffer.from(e.data, 'base64').toString('utf8')) || /not applicable: /.test(e.data)),
        ),
      );
    check(
      'a one-reader lab declaration on one port makes what it cannot support N/A with a reason, and still passes',
      one.status === 0 && na.length > 0,
      `${na.length} scenarios N/A; exit ${one.status}`,
    );
  } catch (e) {
    check('serial self-test ran', false, (e as Error).message);
  } finally {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return cases;
}

if (require.main === module) {
  test('serial self-test: the hardware profile and certification against the pty emulator', async (t) => {
    await reportChecks(t, await selftest());
  });
}
