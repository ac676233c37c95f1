// Cucumber's progress output plus one closing line CI can read: "Cucumber: N passed, N failed, N skipped".
const { ProgressFormatter } = require('@cucumber/cucumber');

class ProgressWithTotals extends ProgressFormatter {
  constructor(options) {
    super(options);
    options.eventBroadcaster.on('envelope', (envelope) => {
      if (!envelope.testRunFinished) return;
      const totals = { passed: 0, failed: 0, skipped: 0 };
      for (const attempt of this.eventDataCollector.getTestCaseAttempts()) {
        if (attempt.willBeRetried) continue;
        const status = attempt.worstTestStepResult.status;
        if (status === 'PASSED') totals.passed++;
        else if (status === 'SKIPPED') totals.skipped++;
        else totals.failed++; // FAILED, UNDEFINED, PENDING, AMBIGUOUS, UNKNOWN
      }
      this.log(`Cucumber: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
    });
  }
}

ProgressWithTotals.documentation = 'progress output followed by a totals line';
module.exports = ProgressWithTotals;
