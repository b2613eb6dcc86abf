/**
 * docs/deploy.md ("Deploy from GitHub") stays in step with the code: every
 * role the bootstrap grants, every bootstrap key and every repository variable
 * the workflows read is documented.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BOOTSTRAP_KEYS } from "../../bootstrap/config";
import {
  PREVIEW_PROJECT_ROLES,
  PREVIEW_REGISTRY_READER,
  PREVIEW_RESOURCE_ROLES,
  PROJECT_ROLES,
  REGISTRY_ADMIN,
  REGISTRY_WRITER,
  RESOURCE_ROLES,
  SCHEDULER_ADMIN,
  PREVIEW_SCHEDULER_VIEWER,
  PREVIEW_SECRET_VIEWER,
  SECRET_IAM_ROLE_ID,
  TEST_IDENTITY_TOKEN_CREATOR,
} from "../../bootstrap/roles";
import { REPO_ROOT, WORKFLOW_DIR } from "./workflowModel";

const docs = readFileSync(join(REPO_ROOT, "docs/deploy.md"), "utf8");
const workflows = readdirSync(WORKFLOW_DIR).map((file) => readFileSync(join(WORKFLOW_DIR, file), "utf8")).join("\n");

describe("docs/deploy.md", () => {
  it("lists every role of the deploy and preview accounts with its reason", () => {
    const grants = [
      ...PROJECT_ROLES,
      REGISTRY_ADMIN,
      REGISTRY_WRITER,
      ...RESOURCE_ROLES,
      SCHEDULER_ADMIN,
      TEST_IDENTITY_TOKEN_CREATOR,
      ...PREVIEW_PROJECT_ROLES,
      PREVIEW_REGISTRY_READER,
      ...PREVIEW_RESOURCE_ROLES,
      PREVIEW_SCHEDULER_VIEWER,
      PREVIEW_SECRET_VIEWER,
    ];
    for (const grant of grants) {
      expect(docs).toMatch(new RegExp(`\\| \`${grant.role.replace(/\./g, "\\.")}\` \\| [^|]+ \\| [^|]{20,} \\|`));
    }
    // The custom role, by its id (its full name holds the project).
    expect(docs).toMatch(new RegExp(`\\| \`projects/PROJECT/roles/${SECRET_IAM_ROLE_ID}\` \\(custom\\) \\| [^|]+ \\| [^|]{20,} \\|`));
  });

  it("documents every bootstrap config key", () => {
    for (const key of BOOTSTRAP_KEYS) expect(docs).toContain(`\`${key.replace("private-cloud-run-bootstrap:", "")}\``);
  });

  it("documents every repository variable the workflows read", () => {
    const direct = [...workflows.matchAll(/vars\.([A-Z_]+)/g)].map((match) => match[1]);
    const perStack = [...workflows.matchAll(/vars\[format\('([A-Z_]+)_\{0\}'/g)].flatMap((match) => [`${match[1]}_DEV`, `${match[1]}_PROD`]);
    const names = new Set([...direct, ...perStack]);
    expect(names.size).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      const stem = name.replace(/_(DEV|PROD)$/, "");
      expect({ name, documented: docs.includes(name) || docs.includes(`${stem}_DEV`) }).toEqual({ name, documented: true });
    }
  });

  it("reads the bootstrap outputs before pointing Pulumi at the bucket (else stack init falls back to a passphrase)", () => {
    const block = docs.slice(docs.indexOf("### 4. Put the stacks in the bucket"));
    const reads = block.indexOf('DEV_SECRETS="$(pulumi stack output secretsProvider --stack dev)"');
    const init = block.indexOf('PULUMI_BACKEND_URL="$DEV_BACKEND" pulumi stack init dev --secrets-provider "$DEV_SECRETS"');
    expect(reads).toBeGreaterThan(0);
    expect(init).toBeGreaterThan(reads);
    // No export of the bucket backend before the outputs are read.
    expect(block.slice(0, reads)).not.toMatch(/export PULUMI_BACKEND_URL|pulumi login gs:/);
  });

  it("documents the deletion-protection procedure and what a binding can and cannot see", () => {
    expect(docs).toContain("### Deletion protection: renames, removals and region changes");
    expect(docs).toMatch(/1\. Turn protection off and deploy that alone[\s\S]*2\. Make the change[\s\S]*3\. Turn protection back on/);
    expect(docs).toContain("### What a binding removes, and what it cannot see");
  });

  it("explains the prod approval gate, the pr-stack label and the Pulumi Cloud alternative", () => {
    expect(docs).toMatch(/required reviewers/);
    expect(docs).toContain("gh label create pr-stack");
    expect(docs).toContain("### Pulumi Cloud instead of a bucket");
  });
});
