// Profiles choose the target through worldParameters; features and steps never change.
const common = {
  requireModule: ['ts-node/register'],
  require: ['steps/**/*.ts'],
  paths: ['features/**/*.feature'],
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

module.exports = {
  default: { ...common, format: reports('cucumber-emulator'), worldParameters: { target: 'emulator' } },
  emulator: { ...common, format: reports('cucumber-emulator'), worldParameters: { target: 'emulator' } },
};
