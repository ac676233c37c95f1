// The emulator profile for the mutant runs (scripts/mutants.ts): the project's own, on the shipped
// build (dist/steps, as `oqs-reader certify` runs it: no ts-node, so a run starts in about a
// second), with only a summary on stdout (no reports, no traces: a mutant never overwrites what
// npm test wrote), stopping at the first failed scenario: one is enough to kill a mutant.
const project = require('../cucumber.js');

const { traceDir, ...worldParameters } = project.emulator.worldParameters;

module.exports = {
  default: { ...project.emulator, requireModule: [], require: ['dist/steps/**/*.js'], format: ['summary'], worldParameters, failFast: true },
};
