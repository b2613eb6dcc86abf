// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", as the
// very last line of the run (after jest's own summary, which other reporters may
// still be writing when onRunComplete fires), so CI can read the result from it.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    let line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
    if (skipped > 0) line += `, ${skipped} skipped`;
    // Writes to a pipe or file are synchronous on Linux, so this lands before exit.
    process.once("exit", () => process.stderr.write(`${line}\n`));
  }
}
module.exports = SummaryReporter;
