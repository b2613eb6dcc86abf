/**
 * Reads the stack outputs (`pulumi stack output --json`) into smoke-test targets.
 * Only the fields the smoke test uses are required (picked from the contract's
 * schema, contract/outputs.ts); the rest is ignored, so older or richer stacks still work.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ingressSchema, jobSmokeTestSchema, outputProblems, serviceSmokeTestSchema, type JobSmokeTest, type ServiceSmokeTest } from "../contract";
import { UsageError } from "./errors";

// Outputs of a stack deployed before `ingress` and `run` existed still parse: all ingress, no execution.
const serviceSmokeTest = serviceSmokeTestSchema.pick({ kind: true, name: true, url: true, audience: true, path: true }).extend({ ingress: ingressSchema.default("all") });
const jobSmokeTest = jobSmokeTestSchema.pick({ kind: true, name: true, project: true, region: true }).extend({ run: z.boolean().default(false) });

const stackOutputs = z.object({
  services: z.record(z.string(), z.object({ smokeTest: serviceSmokeTest })).default({}),
  jobs: z.record(z.string(), z.object({ smokeTest: jobSmokeTest })).default({}),
});

/** What the smoke test needs of a service. */
export type ServiceTarget = Pick<ServiceSmokeTest, "name" | "url" | "audience" | "path" | "ingress">;
/** What the smoke test needs of a job: where it is, and whether to execute it (`smokeRun`). */
export type JobTarget = Pick<JobSmokeTest, "name" | "project" | "region"> & { run?: boolean };

/** Everything to check. */
export interface SmokeTargets {
  services: ServiceTarget[];
  jobs: JobTarget[];
}

/**
 * Validates parsed `pulumi stack output --json`. Every problem is reported with
 * its key path, e.g. `services.hello.smokeTest.url: Invalid URL`.
 */
export function targetsFromOutputs(json: unknown, source = "stack outputs"): SmokeTargets {
  const parsed = stackOutputs.safeParse(json);
  if (!parsed.success) {
    const problems = outputProblems(parsed.error).map((problem) => `  ${problem}`).join("\n");
    throw new UsageError(
      `${source} do not look like this stack's outputs:\n${problems}`,
      "pass the JSON of `pulumi stack output --json` for a stack of this project (services.*.smokeTest / jobs.*.smokeTest)",
    );
  }
  const services = Object.values(parsed.data.services).map(({ smokeTest: { name, url, audience, path, ingress } }) => ({ name, url, audience, path, ingress }));
  const jobs = Object.values(parsed.data.jobs).map(({ smokeTest: { name, project, region, run } }) => ({ name, project, region, run }));
  if (services.length + jobs.length === 0) {
    throw new UsageError(`${source} list no services and no jobs`, "deploy the stack first (pulumi up), or pass --url");
  }
  return { services, jobs };
}

/** Reads and validates an outputs file (the JSON of `pulumi stack output --json`). */
export async function readOutputsFile(file: string): Promise<SmokeTargets> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`--outputs: cannot read "${file}": ${(error as Error).message}`, "write it with: pulumi stack output --json > outputs.json");
  }
  return targetsFromOutputs(parseJsonOrThrow(text, `--outputs "${file}"`), `--outputs "${file}"`);
}

/** Runs `pulumi stack output --json --stack NAME` (the Pulumi CLI must be on PATH). */
export async function readStackOutputs(stack: string, pulumiBinary = "pulumi"): Promise<SmokeTargets> {
  if (!/^[\w./-]+$/.test(stack)) throw new UsageError(`--stack: "${stack}" is not a stack name`, "use NAME or ORG/PROJECT/NAME as shown by pulumi stack ls");
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(pulumiBinary, ["stack", "output", "--json", "--stack", stack], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, out, err) => {
      if (!error) return resolve(out);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new UsageError("--stack: the Pulumi CLI (pulumi) is not on PATH", "install it (https://www.pulumi.com/docs/install/), or pass --outputs FILE written by pulumi stack output --json"));
      }
      reject(new UsageError(`--stack: pulumi stack output --json --stack ${stack} failed: ${String(err).trim() || error.message}`, "check the stack name (pulumi stack ls) and that you are logged in (pulumi login)"));
    });
  });
  return targetsFromOutputs(parseJsonOrThrow(stdout, `pulumi stack output --stack ${stack}`), `stack "${stack}" outputs`);
}

function parseJsonOrThrow(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source}: not JSON (${(error as Error).message})`, "pass the output of pulumi stack output --json");
  }
}
