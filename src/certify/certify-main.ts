import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { parseOrUsage, usageError as usageErrorOf, type Write } from '../cli-usage';
import { loadDeclaration, portCountProblem } from '../../steps/support/declaration';
import { packageRoot } from '../package-root';
import { PROTOCOL_VERSION } from '../protocol';
import { identifyReader } from '../assembly';
import { RealClock } from '../time/clock';
import { logNetEvents, readerBinding } from '../net/port-binding';
import { writeManifest } from './manifest';
import { checkKeyPlace, keygen, signBundle } from './signature';
import { verifyBundle } from './verify';
import { overall, renderReport } from './report';
import { readRequirements, readResults, traceability } from './results';

const ROOT = packageRoot(__dirname);

/**
 * The step definitions certify runs: compiled ones beside this compiled file (dist/steps, what
 * ships; no ts-node), or the sources through ts-node when this file itself runs from source.
 */
export function stepModules(file: string = __filename): { requireModule: string[]; require: string[] } {
  if (file.endsWith('.js')) return { requireModule: [], require: [relative(ROOT, join(file, '..', '..', '..', 'steps')).replace(/\\/g, '/') + '/**/*.js'] };
  // Under ts-node already (a test, or `ts-node src/cli.ts`): a second hook would compile twice.
  const registered = (process as unknown as Record<symbol, unknown>)[Symbol.for('ts-node.register.instance')];
  return { requireModule: registered ? [] : ['ts-node/register'], require: ['steps/**/!(*.test).ts'] };
}

export const DEFAULT_KEY = join(homedir(), '.oqs-reader', 'certify-key.pem');

export const CERTIFY_USAGE = `oqs-reader certify --port PATH[,PATH2] --declaration FILE [--key FILE] [--answers FILE] [--baud N] [--out DIR] [--tags EXPR]
oqs-reader certify --verify DIR --trust FINGERPRINT|PUBLIC-KEY.pem [--trust …]
oqs-reader certify keygen [--out FILE]

Runs the conformance suite against a reader (profile hardware): physical acts become prompts,
answered at this terminal or by --answers (see docs/prompts.md). --port names one port per reader
the declaration's "readers" says the lab connects (comma-separated, in that order); a mismatch is
refused before anything runs. Writes <out>/<vendor>-<model>-<firmware>-<date>/ with report.html,
traces, cucumber reports, versions, manifest.json (SHA-256 of every file) and manifest.sig.json
(Ed25519 signature by --key, default ${DEFAULT_KEY} or OQS_CERTIFY_KEY).
--verify checks every hash, that a trusted key signed the manifest, and that the report's verdict is
the one its cucumber results give. keygen makes a key pair (private key outside the repository) and
prints the fingerprint verifiers pass to --trust. See docs/certification.md.
`;

const DEFAULT_OUT = join(ROOT, 'reports', 'certification');

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'unknown';

/**
 * `oqs-reader certify …`. Exit code 0 PASS (or keygen/--verify succeeded), 1 FAIL or not verified,
 * 2 usage error or a run refused before it started; those messages go to `err` (stderr from the CLI).
 */
export async function runCertify(argv: string[], out: Write, err: Write = out): Promise<number> {
  const usageError = (message: string) => usageErrorOf('oqs-reader certify', message, CERTIFY_USAGE, err);
  const parsed = parseOrUsage({
    args: argv[0] === 'keygen' ? argv.slice(1) : argv,
    options: {
      key: { type: 'string', default: process.env.OQS_CERTIFY_KEY },
      trust: { type: 'string', multiple: true },
      port: { type: 'string', default: process.env.READER_PORT },
      declaration: { type: 'string' },
      answers: { type: 'string', default: process.env.OQS_ANSWERS },
      baud: { type: 'string', default: '115200' },
      out: { type: 'string', default: DEFAULT_OUT },
      tags: { type: 'string' },
      verify: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if ('error' in parsed) return usageError(parsed.error);
  const { values } = parsed;
  if (values.help) {
    out(CERTIFY_USAGE);
    return 0;
  }
  if (argv[0] === 'keygen') {
    const path = values.out && values.out !== DEFAULT_OUT ? values.out : DEFAULT_KEY;
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
      const k = keygen(path);
      out(`private key: ${k.privatePath} (keep it here; never in a bundle or a repository)`);
      out(`public key:  ${k.publicPath}`);
      out(`fingerprint: ${k.fingerprint}   ← give this to whoever verifies: certify --verify DIR --trust ${k.fingerprint}`);
      return 0;
    } catch (e) {
      err(`keygen refused: ${(e as Error).message}`);
      return 2;
    }
  }
  if (values.verify) {
    const r = verifyBundle(values.verify, { trust: values.trust ?? [] });
    for (const p of r.problems) out(`FAIL ${p}`);
    out(
      r.ok
        ? `bundle verified: ${r.checked} files match manifest.json, signed by ${r.fingerprint}, verdict ${r.verdict} agrees with cucumber.json`
        : `bundle NOT verified: ${r.problems.length} problem(s)`,
    );
    return r.ok ? 0 : 1;
  }
  if (!values.port || !values.declaration) return usageError('--port and --declaration are required');
  const declarationPath = resolve(values.declaration);
  const declaration = loadDeclaration(declarationPath);
  const ports = values.port
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const baudRate = Number(values.baud);
  // Refused before a port is opened: a run that cannot give each declared reader a port would
  // report the lab's wiring as the reader's failure.
  const mismatch = portCountProblem(declaration, ports);
  if (mismatch) {
    err(`certify refused: ${mismatch}`);
    return 2;
  }
  const keyPath = resolve(values.key ?? DEFAULT_KEY);
  let privatePem: string;
  try {
    checkKeyPlace(keyPath);
    privatePem = readFileSync(keyPath, 'utf8');
  } catch (e) {
    err(
      `certify refused: no usable signing key at ${keyPath} (${(e as Error).message.split('\n').pop()}).\n署名用の鍵がありません。oqs-reader certify keygen で作るか、--key で指定してください（docs/certification.md）。`,
    );
    return 2;
  }

  // Who is on the line decides the bundle's name, not what the declaration claims.
  const clock = new RealClock();
  const identity = await identifyReader({ path: ports[0]!, binding: readerBinding({ clock, observe: logNetEvents(err) }) }, clock, { baudRate });

  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const dir = join(resolve(values.out), `${safe(identity.vendor)}-${safe(identity.model)}-${safe(identity.firmware)}-${stamp}`);
  mkdirSync(join(dir, 'traces'), { recursive: true });
  out(`certifying ${identity.vendor} ${identity.model} fw ${identity.firmware} s/n ${identity.serial} on ${ports.join(', ')}`);
  out(`bundle: ${dir}`);

  const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api');
  const { runConfiguration } = await loadConfiguration(
    {
      file: false,
      provided: {
        ...stepModules(),
        paths: ['features/**/*.feature'],
        strict: true,
        ...(values.tags ? { tags: values.tags } : {}),
        format: [
          './scripts/progress-with-totals.cjs',
          `json:${join(dir, 'cucumber.json')}`,
          `junit:${join(dir, 'junit.xml')}`,
          `message:${join(dir, 'cucumber-messages.ndjson')}`,
          `html:${join(dir, 'cucumber.html')}`,
        ],
        formatOptions: { junit: { suiteName: 'oqs-reader certification' } },
        worldParameters: {
          target: 'hardware',
          ports: ports.join(','),
          baudRate,
          declaration: declarationPath,
          ...(values.answers ? { answers: resolve(values.answers) } : {}),
          traceDir: join(dir, 'traces'),
        },
      },
    },
    { cwd: ROOT },
  );
  await runCucumber(runConfiguration, { cwd: ROOT });

  const results = readResults(join(dir, 'cucumber.json'));
  const { rows } = traceability(readRequirements(join(ROOT, 'docs', 'requirements.md')), results);
  copyFileSync(declarationPath, join(dir, 'declaration.json'));
  writeFileSync(join(dir, 'identity.json'), JSON.stringify(identity, null, 2) + '\n');
  const versions = {
    'oqs-reader': (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    'conformance suite (sha256 of features/)': suiteHash(),
    'link protocol': String(PROTOCOL_VERSION),
    node: process.version,
    '@cucumber/cucumber': (JSON.parse(readFileSync(require.resolve('@cucumber/cucumber/package.json'), 'utf8')) as { version: string }).version,
    platform: `${process.platform} ${process.arch}`,
  };
  writeFileSync(join(dir, 'versions.json'), JSON.stringify(versions, null, 2) + '\n');
  const traces = existsSync(join(dir, 'traces'))
    ? readdirSync(join(dir, 'traces'))
        .sort()
        .map((f) => `traces/${f}`)
    : [];
  writeFileSync(
    join(dir, 'report.html'),
    renderReport({
      identity,
      declaration: declaration as unknown as Record<string, unknown>,
      versions,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      results,
      rows,
      traces,
    }),
  );
  const manifest = writeManifest(dir);
  const signature = signBundle(dir, privatePem);
  const verdict = overall(results);
  const count = (v: string) => results.filter((r) => r.verdict === v).length;
  out(`verdict ${verdict}: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('N/A')} N/A; ${Object.keys(manifest.files).length} files in manifest.json`);
  out(`signed by ${signature.fingerprint} (manifest.sig.json)`);
  out(`report: ${join(dir, 'report.html')}`);
  return verdict === 'PASS' ? 0 : 1;
}

function suiteHash(): string {
  const h = createHash('sha256');
  const dir = join(ROOT, 'features');
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.feature'))
    .sort())
    h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex').slice(0, 16);
}
