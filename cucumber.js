// Profiles choose the target through worldParameters; features and step text never change.
//   emulator  in-process emulated readers on a virtual clock (default)
//   pty       `oqs-reader emulate` in its own process; the controller opens real ttys
//   hardware  the ports in READER_PORT; physical acts become prompts (OQS_ANSWERS or a person)
const common = {
  requireModule: ['ts-node/register'],
  // Step definitions and support code, not the unit tests that live beside them.
  require: ['steps/**/!(*.test).ts'],
  // No `paths`: cucumber's default (features/**/*.{feature,feature.md}) finds every feature, and a
  // feature file named on the command line then runs alone (configured paths would be merged with it).
  formatOptions: { snippetInterface: 'async-await', junit: { suiteName: 'oqs-reader conformance' } },
  strict: true,
};
const reports = (name) => [
  './scripts/progress-with-totals.cjs',
  `html:reports/${name}.html`,
  `json:reports/${name}.json`,
  `junit:reports/${name}.xml`,
  `message:reports/${name}.ndjson`,
];
const emulator = {
  ...common,
  format: reports('cucumber-emulator'),
  worldParameters: { target: 'emulator', traceDir: 'reports/traces/emulator' },
};

function hardware(report, traceDir) {
  return {
    ...common,
    format: reports(report),
    worldParameters: {
      target: 'hardware',
      ports: process.env.READER_PORT,
      baudRate: Number(process.env.READER_BAUD || 115200),
      declaration: process.env.OQS_DECLARATION,
      answers: process.env.OQS_ANSWERS,
      traceDir,
    },
  };
}

module.exports = {
  default: emulator,
  emulator,
  // The same in-process run behind a slow line: 9600 baud, an FTDI-like 16 ms latency timer and
  // random 1–7 byte reads, on the virtual clock (framing and timeouts as on hardware, no waiting).
  'emulator-paced': {
    ...common,
    format: reports('cucumber-emulator-paced'),
    worldParameters: { target: 'emulator', pacing: { baudRate: 9600, latencyTimerMs: 16, maxChunk: 7, seed: 7 }, traceDir: 'reports/traces/emulator-paced' },
  },
  pty: {
    ...common,
    format: reports('cucumber-pty'),
    // A pty answers in well under a millisecond: shorter command timeouts keep timeout scenarios quick.
    worldParameters: { target: 'pty', traceDir: 'reports/traces/pty', commandTimeoutMs: 600 },
  },
  // The pty profile behind Debian's ser2net (4.3), started and stopped by the run on free loopback
  // ports (steps/support/ser2net.ts): the controller reaches each pty reader by rfc2217:// (Telnet
  // COM Port Control; ser2net never acknowledges DTR/RTS on a pty) or, in ser2net-tcp, by tcp://.
  ser2net: {
    ...common,
    format: reports('cucumber-ser2net'),
    worldParameters: { target: 'pty', ser2net: 'rfc2217', traceDir: 'reports/traces/ser2net', commandTimeoutMs: 600 },
  },
  // The pty profile with the emulator's readers on its own RFC 2217 listeners instead of ptys
  // (`emulate --no-pty --listen rfc2217://127.0.0.1:0`): the controller connects by rfc2217://.
  listen: {
    ...common,
    format: reports('cucumber-listen'),
    worldParameters: { target: 'pty', listen: 'rfc2217', traceDir: 'reports/traces/listen', commandTimeoutMs: 600 },
  },
  'ser2net-tcp': {
    ...common,
    format: reports('cucumber-ser2net-tcp'),
    worldParameters: { target: 'pty', ser2net: 'tcp', traceDir: 'reports/traces/ser2net-tcp', commandTimeoutMs: 600 },
  },
  // The pty profile through `oqs-reader tap` (docs/tap.md), one per reader, each its own process with
  // a pty for the controller: verdicts must equal the pty profile's; line faults are the taps'.
  tap: {
    ...common,
    format: reports('cucumber-tap'),
    worldParameters: { target: 'pty', tap: true, traceDir: 'reports/traces/tap', commandTimeoutMs: 600 },
  },
  // The shipped process: every scenario starts `oqs-reader start` (compiled) on the pty emulator's
  // readers and drives it over HTTP as the screen does; patients act through the emulator's control.
  // Two workers, each with its own pty emulator (steps/support/run.ts BeforeAll) and its own
  // products: every scenario still starts its own process; two run at once.
  product: {
    ...common,
    parallel: 2,
    format: reports('cucumber-product'),
    worldParameters: { target: 'product', traceDir: 'reports/traces/product', commandTimeoutMs: 600 },
  },
  // One physical reader: scenarios run one at a time (never --parallel).
  hardware: hardware('cucumber-hardware', 'reports/traces/hardware'),
  // The hardware profile on one shard of a lab run (docs/lab.md): `--shard i/N` with OQS_SHARD=i,
  // so shards sharing a checkout keep their own reports.
  lab: hardware(`cucumber-lab-${process.env.OQS_SHARD || 1}`, `reports/traces/lab-${process.env.OQS_SHARD || 1}`),
};
