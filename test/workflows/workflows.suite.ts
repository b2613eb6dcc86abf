/**
 * The workflows' essentials, asserted on the parsed YAML: PR preview with a
 * comment and the policy pack, WIF auth and never a key, least permissions per
 * job, one non-cancelling concurrency group per deployed stack, the prod
 * approval gate, and the per-PR stack's destroy + stack rm on close.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  KEY_INPUTS,
  KNOWN_INPUTS,
  WORKFLOW_DIR,
  actionName,
  allJobs,
  concurrencyOf,
  environmentOf,
  loadWorkflow,
  loadWorkflows,
  permissionsOf,
  stepIndex,
  stepsUsing,
  type Job,
} from "./workflowModel";

const SAME_REPO_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

function pulumiStep(job: Job, command: string) {
  const steps = stepsUsing(job, "pulumi/actions").filter((step) => step.with?.command === command);
  expect(steps).toHaveLength(1);
  return steps[0];
}

function runs(job: Job, pattern: RegExp): boolean {
  return job.steps.some((step) => typeof step.run === "string" && pattern.test(step.run));
}

describe("every workflow", () => {
  const workflows = loadWorkflows();

  it("exists: pull-request, deploy, pr-stack, drift and pr-stack-janitor", () => {
    expect(workflows.map((workflow) => workflow.file)).toEqual(
      expect.arrayContaining(["deploy.yml", "drift.yml", "pr-stack-janitor.yml", "pr-stack.yml", "pull-request.yml"]),
    );
  });

  it("pins every action to a major version or a full commit SHA", () => {
    const refs = allJobs().flatMap(({ job }) => job.steps.filter((step) => step.uses).map((step) => step.uses as string));
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  it("has Dependabot keep the pinned actions and the app's pinned Node image current (no surprise major)", () => {
    type Update = { "package-ecosystem": string; directory: string; ignore?: { "dependency-name": string; "update-types"?: string[] }[] };
    const dependabot = parse(readFileSync(join(WORKFLOW_DIR, "..", "dependabot.yml"), "utf8")) as { updates: Update[] };
    expect(dependabot.updates.map((update) => update["package-ecosystem"])).toContain("github-actions");
    const docker = dependabot.updates.find((update) => update["package-ecosystem"] === "docker");
    expect(docker?.directory).toBe("/app");
    expect(docker?.ignore).toContainEqual({ "dependency-name": "node", "update-types": ["version-update:semver-major"] });
  });

  it("authenticates to GCP only through Workload Identity Federation, never with a key", () => {
    const authSteps = allJobs().flatMap(({ job }) => stepsUsing(job, "google-github-actions/auth"));
    expect(authSteps.length).toBeGreaterThanOrEqual(5);
    for (const step of authSteps) {
      expect(Object.keys(step.with ?? {}).sort()).toEqual(["service_account", "workload_identity_provider"]);
      expect(String(step.with?.workload_identity_provider)).toMatch(/^\$\{\{ vars[.[]/);
    }
    for (const workflow of workflows) {
      const text = readFileSync(join(WORKFLOW_DIR, workflow.file), "utf8");
      for (const input of KEY_INPUTS) expect(text).not.toMatch(new RegExp(`(^|\\s)${input}:`, "m"));
      expect(text).not.toMatch(/GOOGLE_APPLICATION_CREDENTIALS|PULUMI_ACCESS_TOKEN|secrets\./);
    }
  });

  it("grants nothing at the top level and declares permissions on every job", () => {
    for (const workflow of workflows) {
      expect(workflow.permissions).toEqual({});
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect({ id, permissions: job.permissions }).toEqual({ id, permissions: expect.any(Object) });
        expect(permissionsOf(job)).toMatchObject({ contents: "read" });
      }
    }
  });

  it("asks for id-token: write exactly in the jobs that authenticate to GCP", () => {
    for (const { workflow, id, job } of allJobs()) {
      const authenticates = stepsUsing(job, "google-github-actions/auth").length > 0;
      const label = `${workflow.file}#${id}`;
      expect({ label, idToken: permissionsOf(job)["id-token"] }).toEqual({ label, idToken: authenticates ? "write" : undefined });
    }
  });

  it("asks for pull-requests: write only in jobs that comment on the PR, read only in jobs that list them", () => {
    for (const { workflow, id, job } of allJobs()) {
      const comments =
        stepsUsing(job, "marocchino/sticky-pull-request-comment").length > 0 ||
        stepsUsing(job, "pulumi/actions").some((step) => step.with?.["comment-on-pr"] === true);
      const lists = runs(job, /\bgh pr list\b/);
      const label = `${workflow.file}#${id}`;
      expect({ label, pr: permissionsOf(job)["pull-requests"] }).toEqual({ label, pr: comments ? "write" : lists ? "read" : undefined });
      const others = Object.entries(permissionsOf(job)).filter(([scope]) => !["contents", "id-token", "pull-requests"].includes(scope));
      expect({ label, others }).toEqual({ label, others: [] });
    }
  });

  it("never runs on pull_request_target (it would hand fork code the repository's credentials)", () => {
    for (const workflow of workflows) expect(Object.keys(workflow.on)).not.toContain("pull_request_target");
  });

  it("keeps cloud jobs of pull-request workflows to same-repository PRs (forks get no credentials)", () => {
    for (const { workflow, id, job } of allJobs()) {
      if (!("pull_request" in workflow.on) || permissionsOf(job)["id-token"] !== "write") continue;
      expect({ id, if: job.if }).toEqual({ id, if: expect.stringContaining(SAME_REPO_GUARD) });
    }
  });

  it("uses only actions whose inputs it checks, and passes them only inputs they know (a typo is ignored silently)", () => {
    const steps = allJobs().flatMap(({ job }) => job.steps.filter((step) => step.uses));
    expect(stepsUsing({ steps }, "pulumi/actions").length).toBeGreaterThanOrEqual(5);
    for (const step of steps) {
      const action = actionName(step) as string;
      expect({ action, checked: action in KNOWN_INPUTS }).toEqual({ action, checked: true });
      for (const input of Object.keys(step.with ?? {})) {
        expect({ action, input, known: KNOWN_INPUTS[action].has(input) }).toEqual({ action, input, known: true });
      }
    }
  });

  it("sets up Node 22 (the Pulumi SDK declares Node >= 22) with the npm cache and installs with npm ci", () => {
    for (const { job } of allJobs()) {
      for (const step of stepsUsing(job, "actions/setup-node")) expect(step.with).toEqual({ "node-version": 22, cache: "npm" });
      if (stepsUsing(job, "actions/setup-node").length > 0) expect(runs(job, /^npm ci\b/)).toBe(true);
    }
  });

  it("installs the Pulumi CLI pinned in .pulumi-version in every pulumi/actions step (one place, no other pin)", () => {
    const steps = allJobs().flatMap(({ job }) => stepsUsing(job, "pulumi/actions"));
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const step of steps) {
      expect(step.with?.["pulumi-version-file"]).toBe(".pulumi-version");
      expect(step.with?.["pulumi-version"]).toBeUndefined();
    }
    expect(readFileSync(join(WORKFLOW_DIR, "..", "..", ".pulumi-version"), "utf8")).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("refreshes before every up, so a grant added by hand is seen and removed", () => {
    const ups = allJobs().flatMap(({ job }) => stepsUsing(job, "pulumi/actions").filter((step) => step.with?.command === "up"));
    expect(ups.length).toBe(3);
    for (const up of ups) expect(up.with?.refresh).toBe(true);
  });

  it("gives a deploy account only to jobs of that account's GitHub environment", () => {
    let deployJobs = 0;
    for (const { workflow, id, job } of allJobs()) {
      for (const auth of stepsUsing(job, "google-github-actions/auth")) {
        const account = String(auth.with?.service_account);
        const label = `${workflow.file}#${id}`;
        const deploy = /GCP_DEPLOY_SERVICE_ACCOUNT_(DEV|PROD)\b/.exec(account);
        if (deploy) {
          deployJobs++;
          expect({ label, environment: environmentOf(job) }).toEqual({ label, environment: deploy[1].toLowerCase() });
          // The provider is the same environment's.
          expect(String(auth.with?.workload_identity_provider)).toContain(`GCP_WORKLOAD_IDENTITY_PROVIDER_${deploy[1]}`);
        } else {
          // Every other identity is a read-only preview account.
          expect({ label, account }).toEqual({ label, account: expect.stringMatching(/GCP_PREVIEW_SERVICE_ACCOUNT_/) });
        }
      }
    }
    expect(deployJobs).toBe(5);
  });

  it("gives no pull_request-triggered job the prod deploy account", () => {
    for (const { workflow, id, job } of allJobs()) {
      if (!("pull_request" in workflow.on)) continue;
      const text = JSON.stringify(job);
      expect({ id: `${workflow.file}#${id}`, prod: /GCP_DEPLOY_SERVICE_ACCOUNT_PROD|GCP_DEPLOY_SERVICE_ACCOUNT_\{0\}/.test(text) }).toEqual({ id: `${workflow.file}#${id}`, prod: false });
      expect(environmentOf(job)).not.toBe("prod");
    }
  });

  it("runs the policy pack with every preview and up", () => {
    const steps = allJobs().flatMap(({ job }) => stepsUsing(job, "pulumi/actions"));
    for (const step of steps.filter((s) => s.with?.command === "preview" || s.with?.command === "up")) {
      expect(step.with?.policyPacks).toBe("policy");
    }
  });
});

describe("pull-request.yml", () => {
  const workflow = loadWorkflow("pull-request.yml");
  const test = workflow.jobs.test;
  const preview = workflow.jobs.preview;

  it("runs on pull requests", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("tests offline without any cloud permission, so it also works for forks", () => {
    expect(permissionsOf(test)).toEqual({ contents: "read" });
    expect(stepsUsing(test, "google-github-actions/auth")).toHaveLength(0);
    expect(test.if).toBeUndefined();
    expect(runs(test, /^npm test$/m)).toBe(true);
  });

  it("writes the offline plan diff of each stack, base branch → head, to the job summary, and gates on the head's plan", () => {
    // What the review does (order, base → head direction, the gate) is tested in-process: test/plan/review.suite.ts.
    const step = test.steps.find((s) => typeof s.run === "string" && s.run.includes("plan/review.ts"));
    const script = step?.run ?? "";
    expect(script.replace(/\\\n\s*/g, "").trim()).toBe(
      'node --import tsx plan/review.ts --base-ref "$BASE_REF" --base-dir "$RUNNER_TEMP/base" --stack dev --stack prod --summary "$GITHUB_STEP_SUMMARY" --comment "$RUNNER_TEMP/access-review/comment.md"',
    );
    // The base ref reaches the script through env, never interpolated into it.
    expect(step?.env?.BASE_REF).toBe("${{ github.event.pull_request.base.ref }}");
    expect(script).not.toContain("${{");
    // git show origin/<base>:… needs the base branch in the checkout.
    expect(test.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"]).toBe(0);
  });

  it("plans the base side of the access changes with the base branch's own code, checked out beside", () => {
    const checkoutBase = test.steps.find((s) => typeof s.run === "string" && s.run.includes("git worktree add"));
    expect(checkoutBase?.run).toContain('git worktree add --detach "$RUNNER_TEMP/base" "origin/$BASE_REF"');
    expect(checkoutBase?.run).toMatch(/cd "\$RUNNER_TEMP\/base"\nnpm ci\b/);
    expect(checkoutBase?.env?.BASE_REF).toBe("${{ github.event.pull_request.base.ref }}");
    expect(checkoutBase?.run).not.toContain("${{");
    expect(stepIndex(test, (s) => s === checkoutBase)).toBeLessThan(stepIndex(test, (s) => typeof s.run === "string" && s.run.includes("plan/review.ts")));
  });

  describe("the access changes as a sticky comment (same-repository PRs) or in the job summary (forks)", () => {
    const comment = workflow.jobs["access-comment"];
    const upload = stepsUsing(test, "actions/upload-artifact")[0];

    it("the test job, which runs the PR's code, gets no write permission; it hands the comment on as an artifact", () => {
      expect(permissionsOf(test)).toEqual({ contents: "read" });
      expect(upload.with).toMatchObject({ name: "access-review", path: "${{ runner.temp }}/access-review/comment.md", "retention-days": 1 });
      // Only for PRs that get a comment, and also after a failed review (the access changes matter most then).
      expect(upload.if).toContain(SAME_REPO_GUARD);
      expect(upload.if).toContain("!cancelled()");
    });

    it("the comment job runs no code of the PR: no checkout, no npm, no run step; only download and comment", () => {
      expect(comment.steps.map((step) => actionName(step))).toEqual(["actions/download-artifact", "marocchino/sticky-pull-request-comment"]);
      expect(comment.steps.filter((step) => step.run !== undefined)).toEqual([]);
    });

    it("the comment job holds exactly pull-requests: write (and contents: read), for same-repository PRs that are not Dependabot's", () => {
      expect(permissionsOf(comment)).toEqual({ contents: "read", "pull-requests": "write" });
      expect(comment.needs).toBe("test");
      expect(comment.if).toContain(SAME_REPO_GUARD);
      expect(comment.if).toContain("github.actor != 'dependabot[bot]'");
      expect(comment.if).toContain("!cancelled()");
      expect(environmentOf(comment)).toBeUndefined();
    });

    it("one sticky comment, updated on every push, from the file the test job wrote; nothing posted when there is none", () => {
      const [download, sticky] = comment.steps;
      expect(download.with).toEqual({ name: "access-review", path: "${{ runner.temp }}/access-review" });
      expect((download as { "continue-on-error"?: boolean })["continue-on-error"]).toBe(true);
      expect(sticky.if).toBe(`steps.${download.id}.outcome == 'success'`);
      expect(sticky.with).toEqual({ header: "access-review", path: "${{ runner.temp }}/access-review/comment.md" });
      // The header is what makes it sticky; it must not collide with the PR stack's comment.
      const headers = allJobs().flatMap(({ job }) => stepsUsing(job, "marocchino/sticky-pull-request-comment").map((step) => step.with?.header));
      expect(headers.filter((header) => header === "access-review")).toHaveLength(1);
    });
  });

  it("previews as each environment's read-only preview account, never a deploy account", () => {
    expect(environmentOf(preview)).toBeUndefined();
    const [auth] = stepsUsing(preview, "google-github-actions/auth");
    expect(auth.with?.service_account).toBe("${{ vars[format('GCP_PREVIEW_SERVICE_ACCOUNT_{0}', matrix.vars_suffix)] }}");
  });

  it("previews every environment stack with a PR comment and the policy pack", () => {
    expect(preview.needs).toBe("test");
    expect(preview.strategy?.matrix?.include?.map((entry) => entry.stack).sort()).toEqual(["dev", "prod"]);
    const step = pulumiStep(preview, "preview");
    expect(step.with).toMatchObject({
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "policy",
    });
    expect(stepIndex(preview, (s) => actionName(s) === "google-github-actions/auth")).toBeLessThan(
      stepIndex(preview, (s) => actionName(s) === "pulumi/actions"),
    );
  });

  it("never shares a deploy's concurrency group (a pending preview must not replace a pending deploy)", () => {
    const group = concurrencyOf(preview)?.group ?? "";
    expect(group).toContain("github.event.pull_request.number");
    expect(group).toContain("matrix.stack");
    expect(group).not.toMatch(/^deploy-/);
    expect(concurrencyOf(preview)?.cancelInProgress).toBe(false);
  });
});

describe("deploy.yml", () => {
  const workflow = loadWorkflow("deploy.yml");

  it("deploys on push to main", () => {
    expect(workflow.on.push).toEqual({ branches: ["main"] });
  });

  it.each(["dev", "prod"])("runs pulumi up on %s, then the smoke test from its outputs", (stack) => {
    const job = workflow.jobs[stack];
    const up = pulumiStep(job, "up");
    expect(up.with?.["stack-name"]).toBe(stack);
    const smoke = stepIndex(job, (s) => typeof s.run === "string" && s.run.includes(`npm run --silent smoke -- --stack ${stack} `));
    expect(smoke).toBeGreaterThan(job.steps.indexOf(up));
    expect(job.env?.PULUMI_BACKEND_URL).toBe(`\${{ vars.PULUMI_BACKEND_URL_${stack.toUpperCase()} }}`);
  });

  it.each(["dev", "prod"])("%s: the smoke test calls as the smoke account and the outsider, never as the deploy account", (stack) => {
    const job = workflow.jobs[stack];
    const step = job.steps[stepIndex(job, (s) => typeof s.run === "string" && s.run.includes("npm run --silent smoke"))];
    expect(step.run).toContain('--impersonate "$SMOKE_SERVICE_ACCOUNT" --outsider "$OUTSIDER_SERVICE_ACCOUNT"');
    expect(step.env).toEqual({
      SMOKE_SERVICE_ACCOUNT: `\${{ vars.GCP_SMOKE_SERVICE_ACCOUNT_${stack.toUpperCase()} }}`,
      OUTSIDER_SERVICE_ACCOUNT: `\${{ vars.GCP_OUTSIDER_SERVICE_ACCOUNT_${stack.toUpperCase()} }}`,
    });
    expect(JSON.stringify(step)).not.toContain("GCP_DEPLOY_SERVICE_ACCOUNT");
  });

  it("gives each stack its own concurrency group and never cancels a deploy in progress", () => {
    const groups = ["dev", "prod"].map((stack) => concurrencyOf(workflow.jobs[stack]));
    expect(groups).toEqual([
      { group: "deploy-dev", cancelInProgress: false },
      { group: "deploy-prod", cancelInProgress: false },
    ]);
  });

  it("puts prod behind the prod environment (required reviewers), after dev succeeded", () => {
    expect(workflow.jobs.prod.needs).toBe("dev");
    expect(environmentOf(workflow.jobs.prod)).toBe("prod");
    expect(environmentOf(workflow.jobs.dev)).toBe("dev");
  });

  it("authenticates each stack with its own environment's identity", () => {
    for (const stack of ["dev", "prod"]) {
      const [auth] = stepsUsing(workflow.jobs[stack], "google-github-actions/auth");
      expect(auth.with?.service_account).toBe(`\${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT_${stack.toUpperCase()} }}`);
    }
  });
});

describe("pr-stack.yml", () => {
  const workflow = loadWorkflow("pr-stack.yml");
  const up = workflow.jobs.up;
  const destroy = workflow.jobs.destroy;

  it("listens to label changes, pushes and closing", () => {
    expect(workflow.on.pull_request).toEqual({ types: ["labeled", "unlabeled", "synchronize", "reopened", "closed"] });
    expect(workflow.env?.STACK).toBe("pr-${{ github.event.pull_request.number }}");
  });

  it("is opt-in by the pr-stack label and skips closed PRs", () => {
    expect(up.if).toContain("contains(github.event.pull_request.labels.*.name, 'pr-stack')");
    expect(up.if).toContain("github.event.action != 'closed'");
  });

  it("generates the PR stack's config, upserts the stack, smoke-tests it and comments URLs and invokers", () => {
    const generate = stepIndex(up, (s) => typeof s.run === "string" && s.run.includes(".github/scripts/prStackConfig.ts"));
    const upStep = pulumiStep(up, "up");
    expect(upStep.with).toMatchObject({ "stack-name": "${{ env.STACK }}", upsert: true, policyPacks: "policy" });
    const smoke = stepIndex(up, (s) => typeof s.run === "string" && s.run.includes("npm run --silent smoke -- --outputs"));
    const render = stepIndex(up, (s) => typeof s.run === "string" && s.run.includes(".github/scripts/prStackComment.ts"));
    const comment = stepIndex(up, (s) => actionName(s) === "marocchino/sticky-pull-request-comment");
    expect(generate).toBeGreaterThanOrEqual(0);
    expect([generate, up.steps.indexOf(upStep), smoke, render, comment]).toEqual(
      [generate, up.steps.indexOf(upStep), smoke, render, comment].sort((a, b) => a - b),
    );
    expect(new Set([generate, smoke, render, comment]).size).toBe(4);
    // The comment is posted even when the smoke test failed, saying so.
    expect(up.steps[render].if).toBe("always() && steps.up.outcome == 'success'");
  });

  it("lists the smoke account (not the deploy account) as the PR stack's invoker, and smoke-tests as it and the outsider", () => {
    const generate = up.steps[stepIndex(up, (s) => typeof s.run === "string" && s.run.includes(".github/scripts/prStackConfig.ts"))];
    expect(generate.run).toContain('--invoker "serviceAccount:$SMOKE_SERVICE_ACCOUNT"');
    expect(generate.env?.SMOKE_SERVICE_ACCOUNT).toBe("${{ vars.GCP_SMOKE_SERVICE_ACCOUNT_DEV }}");
    const smoke = up.steps[stepIndex(up, (s) => typeof s.run === "string" && s.run.includes("npm run --silent smoke"))];
    expect(smoke.run).toMatch(/--impersonate "\$SMOKE_SERVICE_ACCOUNT" --outsider "\$OUTSIDER_SERVICE_ACCOUNT"/);
    expect(smoke.env).toEqual({ SMOKE_SERVICE_ACCOUNT: "${{ vars.GCP_SMOKE_SERVICE_ACCOUNT_DEV }}", OUTSIDER_SERVICE_ACCOUNT: "${{ vars.GCP_OUTSIDER_SERVICE_ACCOUNT_DEV }}" });
    expect(JSON.stringify([generate, smoke])).not.toContain("GCP_DEPLOY_SERVICE_ACCOUNT");
  });

  it("destroys the stack and removes it (stack rm) when the PR closes or loses the label", () => {
    expect(destroy.if).toContain("github.event.action == 'closed'");
    expect(destroy.if).toContain("github.event.action == 'unlabeled' && github.event.label.name == 'pr-stack'");
    const step = pulumiStep(destroy, "destroy");
    expect(step.with).toMatchObject({ "stack-name": "${{ env.STACK }}", remove: true });
    expect(step.with?.["exclude-protected"]).toBeUndefined();
  });

  it("destroys with the base branch's code: no PR code runs with the deploy account, and a gone merge ref does not matter", () => {
    const [checkout] = stepsUsing(destroy, "actions/checkout");
    expect(checkout.with?.ref).toBe("${{ github.event.pull_request.base.ref }}");
    // Nothing from the PR is generated or run: destroy reads the state only.
    expect(runs(destroy, /prStackConfig\.ts/)).toBe(false);
    expect(runs(destroy, /npm run/)).toBe(false);
  });

  it("tolerates a stack that never existed: the destroy runs only if the stack is listed", () => {
    const exists = stepIndex(destroy, (s) => s.id === "exists");
    expect(destroy.steps[exists].run).toContain('npx tsx .github/scripts/prStacks.ts exists --stacks "$RUNNER_TEMP/stacks.json" --stack "$STACK" >> "$GITHUB_OUTPUT"');
    const step = pulumiStep(destroy, "destroy");
    expect(step.if).toBe("steps.exists.outputs.exists == 'true'");
    expect(destroy.steps.indexOf(step)).toBeGreaterThan(exists);
    // The comment still says the stack is gone.
    expect(stepsUsing(destroy, "marocchino/sticky-pull-request-comment")[0].if).toBeUndefined();
  });

  it("takes every PR stack's secrets provider from its state after creation (the generated file carries none)", () => {
    expect(workflow.env?.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER).toBe("true");
    expect(pulumiStep(up, "up").with?.["secrets-provider"]).toBe("${{ vars.PULUMI_SECRETS_PROVIDER_DEV }}");
  });

  it("runs both jobs in the dev environment, whose deploy account they use", () => {
    expect([environmentOf(up), environmentOf(destroy)]).toEqual(["dev", "dev"]);
  });

  it("shares one non-cancelling group between up and destroy of the same PR", () => {
    expect(concurrencyOf(up)).toEqual({ group: "pr-stack-${{ github.event.pull_request.number }}", cancelInProgress: false });
    expect(concurrencyOf(destroy)).toEqual(concurrencyOf(up));
  });
});

describe("drift.yml", () => {
  const workflow = loadWorkflow("drift.yml");
  const job = workflow.jobs.drift;

  it("runs daily and on demand", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const [{ cron }] = workflow.on.schedule as { cron: string }[];
    // minute hour * * *: once a day.
    expect(cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
  });

  it("previews every environment after a refresh, expecting no changes, as the read-only preview account", () => {
    expect(job.strategy?.matrix?.include?.map((entry) => entry.stack).sort()).toEqual(["dev", "prod"]);
    expect(environmentOf(job)).toBeUndefined();
    const step = pulumiStep(job, "preview");
    expect(step.with).toMatchObject({ "stack-name": "${{ matrix.stack }}", refresh: true, "expect-no-changes": true, policyPacks: "policy" });
    expect(stepsUsing(job, "google-github-actions/auth")[0].with?.service_account).toContain("GCP_PREVIEW_SERVICE_ACCOUNT_");
    expect(permissionsOf(job)).toEqual({ contents: "read", "id-token": "write" });
  });

  it("names what drifted when the check fails", () => {
    const report = job.steps[stepIndex(job, (s) => typeof s.run === "string" && s.run.includes("driftReport.ts"))];
    expect(report.if).toBe("failure() && steps.preview.outcome == 'failure'");
    expect(report.run).toContain('pulumi preview --stack "$STACK" --refresh --json --non-interactive > "$RUNNER_TEMP/preview.json"');
    expect(report.run).toContain("--annotate");
    expect(report.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(report.run).toMatch(/exit "\$status"\s*$/);
  });
});

describe("pr-stack-janitor.yml", () => {
  const workflow = loadWorkflow("pr-stack-janitor.yml");
  const job = workflow.jobs.sweep;

  it("runs daily and on demand, in the dev environment", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(environmentOf(job)).toBe("dev");
    expect(job.env?.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER).toBe("true");
  });

  it("destroys and removes exactly the pr-<N> stacks whose pull request is not open", () => {
    expect(runs(job, /gh pr list --repo "\$GITHUB_REPOSITORY" --state open --limit 1000 --json number/)).toBe(true);
    expect(runs(job, /prStacks\.ts closed --stacks "\$RUNNER_TEMP\/stacks\.json" --open "\$RUNNER_TEMP\/open\.json"/)).toBe(true);
    expect(runs(job, /pulumi destroy --stack "\$stack" --yes --remove --non-interactive/)).toBe(true);
  });
});
