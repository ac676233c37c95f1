import { test } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OqsError } from './reader/errors';
import { MemoryStore } from './reader/store';
import { VirtualClock } from './time/virtual-clock';
import { assemble, embeddedReaders, type Assembly, type AssemblyOptions, type EmbeddedReaders } from './assembly';

const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return (
    readdirSync(join(ROOT, dir), { recursive: true })
      .map(String)
      // Tests and their helpers (test-*.ts, never imported by the product) wire by hand on purpose.
      .filter((f) => /\.(ts|js|cjs)$/.test(f) && !/\.test\.ts$|\.e2e\.ts$|(^|\/)test-[^/]*\.ts$/.test(f))
      .map((f) => join(dir, f))
  );
}

test('a reader is attached to a terminal only through a supervisor, and only the assembly builds the controller', () => {
  const files = ['src', 'simulator', 'steps', 'scripts', 'bench', 'test', 'bin'].flatMap(sources);
  const offenders: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const rel = relative(ROOT, join(ROOT, file));
    const rules: Array<[RegExp, string[]]> = [
      // An unsupervised link: opened and attached by hand, never reconnected.
      [/ReaderClient\.open\(|\.attachReader\(/, ['src/reader/supervisor.ts', 'src/reader/terminal.ts']],
      // A controller wired outside the one composition.
      [/new (ReaderSupervisor|Terminal)\(/, ['src/assembly.ts']],
    ];
    for (const [re, allowed] of rules) if (re.test(text) && !allowed.includes(rel)) offenders.push(`${rel}: ${re.source}`);
  }
  expect(offenders, 'wire readers and terminals with assemble() (src/assembly.ts)').to.deep.equal([]);
});

/** An assembly over `readers` embedded readers on a virtual clock, closed after `body`; `prepare` may change the readers and options first. */
async function assembled(
  readers: number,
  body: (s: { a: Assembly; embedded: EmbeddedReaders; clock: VirtualClock }) => Promise<void>,
  prepare: (embedded: EmbeddedReaders) => Partial<AssemblyOptions> = () => ({}),
): Promise<void> {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  const embedded = embeddedReaders(clock, readers);
  const a = assemble({ clock, store: new MemoryStore(), readers: embedded.ports, ...prepare(embedded) });
  try {
    await body({ a, embedded, clock });
  } finally {
    await a.close();
  }
}

test('a terminal on real ports starts without loading the emulator; embedding readers loads it', () => {
  // The compiled product, as `oqs-reader start` runs it (the unit tests build dist/ first).
  const probe = (code: string) => {
    const r = spawnSync(
      process.execPath,
      ['-e', `${code}; console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /[\\/]dist[\\/]simulator[\\/]/.test(f))))`],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as string[];
  };
  expect(probe("require('./dist/src/main.js')")).to.deep.equal([]);
  expect(probe("require('./dist/src/assembly.js').embeddedReaders(new (require('./dist/src/time/virtual-clock.js').VirtualClock)(), 1)")).to.not.deep.equal([]);
});

test('a terminal started before its reader shows カードリーダー未接続, serves, and connects when the reader appears', async () => {
  const prepare = (embedded: EmbeddedReaders) => {
    embedded.binding.unplug(embedded.ports[0]!.path); // not plugged in yet
    return { link: { reconnectMinMs: 100, reconnectMaxMs: 400 } };
  };
  await assembled(
    1,
    async ({ a, embedded, clock }) => {
      const path = embedded.ports[0]!.path;
      expect(await clock.resolve(a.firstAttempts)).to.deep.equal([false]);
      const alert = a.terminal.alerts().find((x) => x.code === 'readerNotConnected');
      expect(alert?.message).to.match(/^カードリーダー未接続/);
      expect(a.terminal.status().readers).to.have.length(0);
      await clock.advance(2_000); // retries with backoff while it is away
      expect(a.supervisors[0]!.reconnects).to.be.greaterThan(2);
      embedded.binding.replug(path);
      await clock.resolve(a.supervisors[0]!.until('connected'));
      expect(a.terminal.status().readers.map((r) => r.path)).to.deep.equal([path]);
      expect(a.terminal.alerts().map((x) => x.code)).not.to.include('readerNotConnected');
    },
    prepare,
  );
});

test('with two readers, one going away leaves the other attached and working', async () => {
  await assembled(2, async ({ a, embedded, clock }) => {
    expect(await clock.resolve(a.firstAttempts)).to.deep.equal([true, true]);
    embedded.binding.unplug(embedded.ports[0]!.path);
    await clock.runUntilIdle();
    expect(a.terminal.status().readers.map((r) => r.path)).to.deep.equal([embedded.ports[1]!.path]);
    expect(
      a.terminal
        .alerts()
        .filter((x) => x.code === 'readerDisconnected')
        .map((x) => x.path),
    ).to.deep.equal([embedded.ports[0]!.path]);
    const status = await clock.resolve(a.terminal.client(embedded.ports[1]!.path)!.getStatus());
    expect(status.mode).to.equal(1);
  });
});

test("a patient's act the embedded reader refuses is the table's coded refusal, with the reason in Japanese for the staff screen", async () => {
  await assembled(1, async ({ a, embedded, clock }) => {
    await clock.resolve(a.firstAttempts);
    await clock.resolve(embedded.controls.stimulate({ action: 'placeCard', profile: 'normal' }));
    const refused = await clock.resolve(
      embedded.controls.stimulate({ action: 'placeCard', profile: 'normal' }).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    // The API turns it into OQS_ERR_STIMULUS_REFUSED (src/server/app.test.ts); the assembly says what a refusal is.
    const r = embedded.controls.refusal(refused);
    expect([r?.code, r?.messageJa]).to.deep.equal(['EMU_ERR_CARD_PRESENT', 'カードが既に置かれています。先にカードを取ってください']);
    expect(embedded.controls.refusal(new OqsError('OQS_ERR_INTERNAL'))).to.equal(undefined);
  });
});
