// The order jest starts test files in, longest first, so neither worker is left with a
// long file at the end. jest does this by each file's duration in its last run and,
// without one (a fresh clone), by the file's size. A directory's test file is a few
// lines that run its *.suite.ts files (test/support/suites.ts): its size is theirs.
const { readdirSync, statSync } = require("node:fs");
const { dirname, join } = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const SUITE = /\.suite\.ts$/;

function sizeOf(testPath) {
  const dir = dirname(testPath);
  const suites = readdirSync(dir).filter((file) => SUITE.test(file));
  const files = suites.length > 0 ? suites.map((file) => join(dir, file)) : [testPath];
  return files.reduce((bytes, file) => bytes + statSync(file).size, 0);
}

class SuiteSizeSequencer extends Sequencer {
  sort(tests) {
    const size = new Map(tests.map((test) => [test.path, sizeOf(test.path)]));
    for (const test of tests) test.duration = this.time(test);
    // As jest's: failed last time first; files without a duration before those with one
    // (by size), then the longest.
    const rank = (test) => [this.hasFailed(test) ? 0 : 1, test.duration == null ? 0 : 1, -(test.duration ?? size.get(test.path))];
    return [...tests].sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
  }
}

module.exports = SuiteSizeSequencer;
