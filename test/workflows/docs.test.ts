/**
 * docs/deploy.md ("Deploy from GitHub") stays in step with the code: every
 * role the bootstrap grants, every bootstrap key and every repository variable
 * the workflows read is documented.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BOOTSTRAP_KEYS } from "../../bootstrap/config";
import { PROJECT_ROLES, REGISTRY_ADMIN, REGISTRY_WRITER, RESOURCE_ROLES } from "../../bootstrap/roles";
import { REPO_ROOT, WORKFLOW_DIR } from "./workflowModel";

const docs = readFileSync(join(REPO_ROOT, "docs/deploy.md"), "utf8");
const workflows = readdirSync(WORKFLOW_DIR).map((file) => readFileSync(join(WORKFLOW_DIR, file), "utf8")).join("\n");

describe("docs/deploy.md", () => {
  it("lists every role of the deploy account with its reason", () => {
    for (const grant of [...PROJECT_ROLES, REGISTRY_ADMIN, REGISTRY_WRITER, ...RESOURCE_ROLES]) {
      expect(docs).toMatch(new RegExp(`\\| \`${grant.role.replace(/\./g, "\\.")}\` \\| [^|]+ \\| [^|]{20,} \\|`));
    }
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

  it("explains the prod approval gate, the pr-stack label and the Pulumi Cloud alternative", () => {
    expect(docs).toMatch(/required reviewers/);
    expect(docs).toContain("gh label create pr-stack");
    expect(docs).toContain("### Pulumi Cloud instead of a bucket");
  });
});
