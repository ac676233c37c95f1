// Profiles for `npm run bench` (bench/suite.ts), built from the project's own cucumber.js so the
// suite, steps and formatters are the same; only where the reports go differs (reports/bench/suite/,
// so a bench run never overwrites the reports of `npm test`).
//   emulator          exactly the emulator profile: the wall time of the suite
//   emulator-timed    the same, plus bench/suite/device-clock.ts, which sums the virtual device time
//                     each scenario consumed (and, with OQS_BENCH_PACED=1, makes the virtual clock
//                     wait real time before every timer it fires: the suite at real device timing)
const project = require('../../cucumber.js');

const out = (name) => [
  './scripts/progress-with-totals.cjs',
  `html:reports/bench/suite/${name}.html`,
  `json:reports/bench/suite/${name}.json`,
  `junit:reports/bench/suite/${name}.xml`,
  `message:reports/bench/suite/${name}.ndjson`,
];

const emulator = {
  ...project.emulator,
  format: out('cucumber-emulator'),
  worldParameters: { ...project.emulator.worldParameters, traceDir: 'reports/bench/suite/traces' },
};

module.exports = {
  default: emulator,
  emulator,
  'emulator-timed': {
    ...emulator,
    require: [...project.emulator.require, 'bench/suite/device-clock.ts'],
    format: out('cucumber-emulator-timed'),
    worldParameters: { ...project.emulator.worldParameters, traceDir: 'reports/bench/suite/traces-timed' },
  },
};
