// Every *.suite.ts of this directory, in one test file (why: test/support/suites.ts).
import { runSuitesIn } from "../support/suites";

runSuitesIn(__dirname);
