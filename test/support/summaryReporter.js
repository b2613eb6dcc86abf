// Prints one plain closing line, "tests: N passed, N failed[, N skipped]",
// after jest's own summary, so CI can read the result from the last line.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    let line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
    if (skipped > 0) line += `, ${skipped} skipped`;
    process.stderr.write(`${line}\n`);
  }
}
module.exports = SummaryReporter;
