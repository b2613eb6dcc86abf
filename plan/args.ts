import { parseArgs } from "node:util";
import { loneDashHint, UsageError } from "../runner/cli";

/** What `npm start -- …` was asked to do. */
export interface PlanOptions {
  /** Stack name (`Pulumi.<stack>.yaml` at the repository root) or a config file path. */
  target: string;
  /** Print exactly one JSON document on stdout instead of the human view. */
  json: boolean;
  /** A second stack name or config file to compare against (`--diff OTHER`). */
  diff?: string;
  /** Print the resources and IAM edges as a diagram; only "mermaid" exists. */
  graph?: "mermaid";
  /** Print who can reach what (with `--diff`: who gains or loses what); with `--json`, add it to the document. */
  access: boolean;
  /** Run the local rehearsal after the plan (human view only). */
  rehearsal: boolean;
  /** Print usage and exit 0. */
  help: boolean;
}

/** Bad command-line arguments (the CLIs' one UsageError); the plan prints the message and its usage, exit 2. */
export { UsageError };

/** The default stack: what a new user runs first. */
export const DEFAULT_STACK = "dev";

/** Shown by `--help` and after every usage error. */
export const USAGE = `Usage: npm start -- [options]

Evaluates the real Pulumi program offline (mock engine, no cloud account) and prints
what \`pulumi up\` would create, the policy verdicts, then rehearses the invocation path
locally (emulated Cloud Run front end + metadata server + the real client).

Options:
  -s, --stack NAME      stack to plan (reads Pulumi.NAME.yaml)          [default: ${DEFAULT_STACK}]
  -c, --config FILE     plan a config file instead of a named stack
      --json            exactly one JSON document on stdout (no rehearsal)
      --diff OTHER      compare with another stack name or config file (no rehearsal)
      --graph mermaid   print the resources and IAM edges as a Mermaid diagram (no rehearsal)
      --access          who can reach what: each principal, the workloads, secrets and other
                        resources it can reach and the role (no rehearsal); with --diff OTHER,
                        who gains or loses what; with --json, an "access" key (and "accessDiff")
      --no-rehearsal    skip the local rehearsal (this is \`npm run plan\`)
  -h, --help            show this help

Exit codes: 0 clean; 1 a mandatory policy failed; 2 invalid config or arguments
(every problem on stderr, nothing on stdout); 3 a rehearsal check failed; 4 unexpected error;
130 interrupted (Ctrl-C) during the rehearsal, after stopping what it started.`;

/**
 * Parses the CLI's arguments (without `node` and the script path).
 * @throws UsageError naming the bad option or value and the fix.
 */
export function parsePlanArgs(argv: string[]): PlanOptions {
  const { values, positionals } = parseOrExplain(argv);
  if (positionals.length > 0) {
    // Through npm, options before a lone `--` are npm's own (`npm start --stack prod`
    // hands us just "prod"), so say how to pass them as well.
    throw new UsageError(
      `unexpected argument "${positionals[0]}": pass a stack with --stack NAME or a file with --config FILE; ${loneDashHint(`npm start -- --stack ${positionals[0]}`)}`,
    );
  }
  if (values.stack !== undefined && values.config !== undefined) {
    throw new UsageError(`--stack "${values.stack}" and --config "${values.config}" both given: pass only one of them`);
  }
  const graph = parseGraph(values.graph);
  if (values.json && graph) {
    throw new UsageError("--json and --graph both given: --graph prints a diagram, --json a document; pass only one of them");
  }
  if (values.diff !== undefined && graph) {
    throw new UsageError("--graph and --diff both given: --graph draws one stack, --diff compares two; pass only one of them");
  }
  if (values.access && graph) {
    throw new UsageError("--access and --graph both given: --graph draws the resources, --access lists who reaches them; pass only one of them");
  }
  const target = nonEmpty("--config", values.config) ?? nonEmpty("--stack", values.stack) ?? DEFAULT_STACK;
  const json = values.json ?? false;
  const diff = nonEmpty("--diff", values.diff);
  const access = values.access ?? false;
  return {
    target,
    json,
    diff,
    graph,
    access,
    // The rehearsal starts servers and prints a table: only in the plain human view.
    rehearsal: !(values["no-rehearsal"] ?? false) && !json && !diff && !graph && !access,
    help: values.help ?? false,
  };
}

function parseOrExplain(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string", short: "s" },
        config: { type: "string", short: "c" },
        json: { type: "boolean" },
        diff: { type: "string" },
        graph: { type: "string" },
        access: { type: "boolean" },
        "no-rehearsal": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // parseArgs's own messages already name the option ("Unknown option '--jsn'").
    throw new UsageError((error as Error).message);
  }
}

function parseGraph(value: string | undefined): "mermaid" | undefined {
  if (value === undefined) return undefined;
  if (value !== "mermaid") throw new UsageError(`--graph "${value}" is not supported: use --graph mermaid`);
  return value;
}

function nonEmpty(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") throw new UsageError(`${option} ${JSON.stringify(value)} is empty: give a stack name or a path to a Pulumi.<stack>.yaml file`);
  return value;
}
