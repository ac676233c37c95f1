// The emulator profile for the trace round trip (scripts/trace-round-trip.ts): the project's own,
// with its traces and a JSON report in the run's own folder (OQS_ROUND_TRIP_DIR), never over what
// the emulator step of npm test wrote in reports/.
const project = require('../cucumber.js');

const dir = process.env.OQS_ROUND_TRIP_DIR;
if (!dir) throw new Error('OQS_ROUND_TRIP_DIR is not set (scripts/trace-round-trip.ts sets it)');

module.exports = {
  default: {
    ...project.emulator,
    format: ['summary', `json:${dir}/cucumber.json`],
    worldParameters: { ...project.emulator.worldParameters, traceDir: `${dir}/traces` },
  },
};
