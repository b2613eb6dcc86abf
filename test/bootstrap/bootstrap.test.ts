/**
 * The bootstrap program, run for real under Pulumi's mocks on the example
 * config (bootstrap/Pulumi.dev.yaml) and on variants: what it creates, every
 * grant of each CI identity (role, member, and the resource it is on), the
 * repository and branch restriction of the GitHub provider, the GitHub
 * subject each account is bound to, and nothing public anywhere.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BootstrapConfigError, parseBootstrapConfig } from "../../bootstrap/config";
import { parseStackConfig } from "../../config";
import { loadStackConfig } from "../../config/stackFile";
import { githubAttributeCondition, githubSubject, subjectPrincipal } from "../../bootstrap/components/githubWorkloadIdentity";
import {
  FORBIDDEN_ROLES,
  PREVIEW_PROJECT_ROLES,
  PREVIEW_REGISTRY_READER,
  PREVIEW_RESOURCE_ROLES,
  PROJECT_ROLES,
  PUBLIC_MEMBERS,
  REGISTRY_ADMIN,
  RESOURCE_ROLES,
  SCHEDULER_ADMIN,
  PREVIEW_SCHEDULER_VIEWER,
  PREVIEW_SECRET_VIEWER,
  SECRET_IAM_PERMISSIONS,
  TEST_IDENTITY_TOKEN_CREATOR,
} from "../../bootstrap/roles";
import { BOOTSTRAP_DIR, EXAMPLE_STACKS, PROJECT_NUMBER, exampleConfig, ofType, programWith, runBootstrap, type BootstrapRun } from "./harness";

const PROJECT = "my-gcp-project";
const DEPLOY_EMAIL = `pulumi-deploy@${PROJECT}.iam.gserviceaccount.com`;
const DEPLOY_MEMBER = `serviceAccount:${DEPLOY_EMAIL}`;
const DEPLOY_NAME = `projects/${PROJECT}/serviceAccounts/${DEPLOY_EMAIL}`;
const POOL = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github`;
const REPO = "example-org/private-cloud-run";
const KEY_ID = `projects/${PROJECT}/locations/asia-east1/keyRings/pulumi/cryptoKeys/pulumi-state`;
const account = (id: string) => ({
  email: `${id}@${PROJECT}.iam.gserviceaccount.com`,
  member: `serviceAccount:${id}@${PROJECT}.iam.gserviceaccount.com`,
  name: `projects/${PROJECT}/serviceAccounts/${id}@${PROJECT}.iam.gserviceaccount.com`,
});
const PREVIEW = account("pulumi-preview");
const SMOKE = account("pulumi-smoke");
const OUTSIDER = account("pulumi-outsider");
const subject = (sub: string) => subjectPrincipal(POOL, sub);

/** Every IAM grant registered, whatever the resource kind. */
function grants(run: BootstrapRun) {
  return run.resources
    .filter((resource) => typeof resource.inputs.role === "string")
    .map((resource) => ({ type: resource.type.split(":")[1], role: resource.inputs.role as string, member: resource.inputs.member as string, inputs: resource.inputs }));
}

describe("bootstrap on the example config", () => {
  let run: BootstrapRun;
  beforeAll(async () => {
    run = await runBootstrap(exampleConfig());
  });
  const grantsTo = (member: string) => grants(run).filter((grant) => grant.member === member);

  it("uses the main dev stack's example project", () => {
    expect(exampleConfig()["gcp:project"]).toBe(PROJECT);
  });

  it("creates a versioned, soft-deleting, uniform-access, never-public state bucket", () => {
    const [bucket] = ofType(run, "storage/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({
      name: `${PROJECT}-pulumi-state`,
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      // 90 days, Cloud Storage's maximum: a deleted or overwritten state file stays restorable.
      softDeletePolicy: { retentionDurationSeconds: 90 * 86_400 },
    });
    expect(bucket.inputs.lifecycleRules).toEqual([{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 90 } }]);
  });

  it("creates a rotating KMS key for the secrets provider", () => {
    const [ring] = ofType(run, "kms/keyRing:KeyRing");
    const [key] = ofType(run, "kms/cryptoKey:CryptoKey");
    expect(ring.inputs).toMatchObject({ name: "pulumi", location: "asia-east1", project: PROJECT });
    expect(key.inputs).toMatchObject({ name: "pulumi-state", purpose: "ENCRYPT_DECRYPT", rotationPeriod: "7776000s" });
    expect(run.outputs.secretsProvider).toBe(`gcpkms://${KEY_ID}`);
    expect(run.outputs.backendUrl).toBe(`gs://${PROJECT}-pulumi-state`);
  });

  it("creates a GitHub OIDC provider that only accepts this repository (name and id) and maps the subject", () => {
    const [pool] = ofType(run, "workloadIdentityPool:WorkloadIdentityPool");
    const [provider] = ofType(run, "workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(pool.inputs).toMatchObject({ workloadIdentityPoolId: "github", disabled: false });
    expect(provider.inputs).toMatchObject({
      workloadIdentityPoolId: "github",
      workloadIdentityPoolProviderId: "github-actions",
      oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
      // Dev deploys PR stacks from PR branches (deployFromAnyBranch): no branch clause.
      attributeCondition: `assertion.repository == "${REPO}" && assertion.repository_id == "123456789"`,
    });
    expect(provider.inputs.attributeMapping).toMatchObject({ "google.subject": "assertion.sub", "attribute.repository": "assertion.repository" });
    expect(run.outputs.workloadIdentityProvider).toBe(`${POOL}/providers/github-actions`);
  });

  it("lets only jobs of the dev GitHub environment impersonate the deploy account, never the whole repository", () => {
    const wif = grants(run).filter((grant) => grant.role === "roles/iam.workloadIdentityUser" && grant.inputs.serviceAccountId === DEPLOY_NAME);
    expect(wif).toEqual([
      {
        type: "serviceaccount/iAMMember",
        role: "roles/iam.workloadIdentityUser",
        member: `principal://iam.googleapis.com/${POOL}/subject/repo:${REPO}:environment:dev`,
        inputs: expect.objectContaining({ serviceAccountId: DEPLOY_NAME }),
      },
    ]);
    // No identity of this bootstrap can be assumed by "any workflow of the repository".
    expect(grants(run).filter((grant) => grant.member?.startsWith("principalSet://"))).toEqual([]);
  });

  it("grants the deploy account exactly the documented project roles, additively, and no setIamPolicy on service accounts", () => {
    const project = grantsTo(DEPLOY_MEMBER).filter((grant) => grant.type === "projects/iAMMember");
    expect(project.map((grant) => grant.role).sort()).toEqual([...PROJECT_ROLES, REGISTRY_ADMIN].map((grant) => grant.role).sort());
    for (const grant of project) expect(grant.inputs).toMatchObject({ project: PROJECT, member: DEPLOY_MEMBER });
    // run.admin, not run.developer: only run.admin may set the services' IAM policy.
    expect(project.map((grant) => grant.role)).toContain("roles/run.admin");
    expect(project.map((grant) => grant.role)).not.toContain("roles/run.developer");
    // Creator + deleter, not serviceAccountAdmin (which holds iam.serviceAccounts.setIamPolicy).
    expect(project.map((grant) => grant.role)).toEqual(expect.arrayContaining(["roles/iam.serviceAccountCreator", "roles/iam.serviceAccountDeleter"]));
    expect(grants(run).map((grant) => grant.role)).not.toContain("roles/iam.serviceAccountAdmin");
  });

  it("grants storage roles on the state bucket only: objectAdmin to deploy, objectViewer to preview", () => {
    const storage = grants(run).filter((grant) => grant.role.startsWith("roles/storage."));
    expect(storage).toEqual([
      { type: "storage/bucketIAMMember", role: "roles/storage.objectAdmin", member: DEPLOY_MEMBER, inputs: expect.objectContaining({ bucket: `${PROJECT}-pulumi-state` }) },
      { type: "storage/bucketIAMMember", role: "roles/storage.objectViewer", member: PREVIEW.member, inputs: expect.objectContaining({ bucket: `${PROJECT}-pulumi-state` }) },
    ]);
  });

  it("grants KMS roles on the key only: encrypt/decrypt to deploy, decrypt to preview", () => {
    const kms = grants(run).filter((grant) => grant.role.startsWith("roles/cloudkms."));
    expect(kms).toEqual([
      { type: "kms/cryptoKeyIAMMember", role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: DEPLOY_MEMBER, inputs: expect.objectContaining({ cryptoKeyId: KEY_ID }) },
      { type: "kms/cryptoKeyIAMMember", role: "roles/cloudkms.cryptoKeyDecrypter", member: PREVIEW.member, inputs: expect.objectContaining({ cryptoKeyId: KEY_ID }) },
    ]);
  });

  it("does not let the deploy account mint ID tokens as itself: the smoke test never calls as it", () => {
    const selfMinting = grants(run).filter((grant) => /TokenCreator$/.test(grant.role) && grant.inputs.serviceAccountId === DEPLOY_NAME);
    expect(selfMinting).toEqual([]);
  });

  it("creates a read-only preview account, bound to pull-request jobs and default-branch jobs without an environment", () => {
    const preview = grantsTo(PREVIEW.member);
    expect(preview.map((grant) => grant.role).sort()).toEqual(
      [...PREVIEW_PROJECT_ROLES, PREVIEW_REGISTRY_READER, ...PREVIEW_RESOURCE_ROLES.filter((grant) => grant.role !== "roles/iam.workloadIdentityUser")].map((grant) => grant.role).sort(),
    );
    // Nothing that writes: every role is a viewer, a reader or decrypt-only.
    for (const grant of preview) expect(grant.role).toMatch(/\.(viewer|reader|serviceAccountViewer|serviceUsageViewer|objectViewer|cryptoKeyDecrypter)$/);
    const wif = grants(run).filter((grant) => grant.role === "roles/iam.workloadIdentityUser" && grant.inputs.serviceAccountId === PREVIEW.name);
    expect(wif.map((grant) => grant.member).sort()).toEqual([subject(`repo:${REPO}:pull_request`), subject(`repo:${REPO}:ref:refs/heads/main`)].sort());
    expect(run.outputs.previewServiceAccount).toBe(PREVIEW.email);
  });

  it("creates a smoke account with no role at all and an outsider with no grant at all; only the deploy account mints their tokens", () => {
    expect(grantsTo(SMOKE.member)).toEqual([]);
    expect(grantsTo(OUTSIDER.member)).toEqual([]);
    expect(JSON.stringify(run.resources.map((resource) => resource.inputs.member ?? resource.inputs.members ?? null))).not.toContain("pulumi-outsider");
    const minting = grants(run).filter((grant) => grant.inputs.serviceAccountId === SMOKE.name || grant.inputs.serviceAccountId === OUTSIDER.name);
    expect(minting.map((grant) => [grant.role, grant.member, grant.inputs.serviceAccountId]).sort()).toEqual(
      [
        [TEST_IDENTITY_TOKEN_CREATOR.role, DEPLOY_MEMBER, OUTSIDER.name],
        [TEST_IDENTITY_TOKEN_CREATOR.role, DEPLOY_MEMBER, SMOKE.name],
      ],
    );
    expect([run.outputs.smokeServiceAccount, run.outputs.outsiderServiceAccount]).toEqual([SMOKE.email, OUTSIDER.email]);
  });

  it("grants no invoker role: run.admin already holds run.routes.invoke, and the stack grants invokers per service", () => {
    expect(grants(run).filter((grant) => /run\.(invoker|servicesInvoker|jobsExecutor)/.test(grant.role))).toEqual([]);
  });

  it("grants nothing else: every grant is in roles.ts, none is basic or IAM-admin", () => {
    const documented = new Set([...PROJECT_ROLES, REGISTRY_ADMIN, ...RESOURCE_ROLES, TEST_IDENTITY_TOKEN_CREATOR, ...PREVIEW_PROJECT_ROLES, PREVIEW_REGISTRY_READER, ...PREVIEW_RESOURCE_ROLES].map((grant) => grant.role));
    for (const grant of grants(run)) {
      expect({ role: grant.role, documented: documented.has(grant.role) }).toEqual({ role: grant.role, documented: true });
      expect(FORBIDDEN_ROLES).not.toContain(grant.role);
    }
    const deploy = PROJECT_ROLES.length + 1 + RESOURCE_ROLES.length + 2;
    const preview = PREVIEW_PROJECT_ROLES.length + 1 + PREVIEW_RESOURCE_ROLES.length + 1;
    expect(grants(run)).toHaveLength(deploy + preview);
  });

  it("makes nothing public and never sets an authoritative IAM policy or binding", () => {
    const text = JSON.stringify(run.resources.map((resource) => resource.inputs));
    for (const member of PUBLIC_MEMBERS) expect(text.toLowerCase()).not.toContain(member.toLowerCase());
    expect(run.resources.filter((resource) => /IAM(Policy|Binding)|Iam(Policy|Binding)/.test(resource.type))).toEqual([]);
  });

  it("enables its own APIs and the stack's (so the first up does not race them) without disabling them on destroy", () => {
    const apis = ofType(run, "projects/service:Service");
    expect(apis.map((api) => api.inputs.service)).toEqual(
      expect.arrayContaining(["iam.googleapis.com", "sts.googleapis.com", "cloudkms.googleapis.com", "iamcredentials.googleapis.com", "run.googleapis.com", "artifactregistry.googleapis.com"]),
    );
    for (const api of apis) expect(api.inputs.disableOnDestroy).toBe(false);
    // Everything else waits for them.
    expect(apis.length).toBe(new Set(apis.map((api) => api.inputs.service)).size);
  });

  it("puts every resource under its component", () => {
    const parentOf = (token: string, name?: string) => (name ? run.resources.find((r) => r.type.endsWith(token) && r.name === name) : ofType(run, token)[0])!.urn.split("::")[2].split("$")[0];
    expect(parentOf("storage/bucket:Bucket")).toBe("private-cloud-run-bootstrap:index:StateBackend");
    expect(parentOf("workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")).toBe("private-cloud-run-bootstrap:index:GithubWorkloadIdentity");
    expect(parentOf("projects/iAMMember:IAMMember", "deploy-run-admin")).toBe("private-cloud-run-bootstrap:index:DeployServiceAccount");
    expect(parentOf("projects/iAMMember:IAMMember", "preview-run-viewer")).toBe("private-cloud-run-bootstrap:index:PreviewServiceAccount");
    expect(parentOf("serviceaccount/account:Account", "test-smoke")).toBe("private-cloud-run-bootstrap:index:TestIdentities");
  });

  it("outputs the GitHub repository variables the workflows read, and the gh commands that set them", () => {
    expect(run.outputs.githubVariables).toEqual({
      GCP_WORKLOAD_IDENTITY_PROVIDER_DEV: `${POOL}/providers/github-actions`,
      GCP_DEPLOY_SERVICE_ACCOUNT_DEV: DEPLOY_EMAIL,
      GCP_PREVIEW_SERVICE_ACCOUNT_DEV: PREVIEW.email,
      GCP_SMOKE_SERVICE_ACCOUNT_DEV: SMOKE.email,
      GCP_OUTSIDER_SERVICE_ACCOUNT_DEV: OUTSIDER.email,
      PULUMI_BACKEND_URL_DEV: `gs://${PROJECT}-pulumi-state`,
      PULUMI_SECRETS_PROVIDER_DEV: `gcpkms://${KEY_ID}`,
    });
    expect(run.outputs.ghCommands).toContain(`gh variable set GCP_DEPLOY_SERVICE_ACCOUNT_DEV --repo ${REPO} --body '${DEPLOY_EMAIL}'`);
  });
});

/** Every repository variable the workflows read, as it is named for one stack suffix ("DEV"). */
function variablesReadFor(suffix: string): string[] {
  const dir = join(BOOTSTRAP_DIR, "..", ".github/workflows");
  const workflows = readdirSync(dir).map((file) => readFileSync(join(dir, file), "utf8")).join("\n");
  const direct = [...workflows.matchAll(/vars\.([A-Z_]+)\b/g)].map((match) => match[1]).filter((name) => name.endsWith(`_${suffix}`));
  const perStack = [...workflows.matchAll(/vars\[format\('([A-Z_]+)_\{0\}'/g)].map((match) => `${match[1]}_${suffix}`);
  return [...new Set([...direct, ...perStack])].sort();
}

describe.each(EXAMPLE_STACKS)("the %s bootstrap example, beside the main stack of the same name", (stack) => {
  let run: BootstrapRun;
  beforeAll(async () => {
    run = await runBootstrap(exampleConfig(stack), stack);
  });

  it("uses example values only", () => {
    const text = readFileSync(join(BOOTSTRAP_DIR, `Pulumi.${stack}.yaml`), "utf8");
    for (const match of text.match(/[\w.-]+@[\w.-]+/g) ?? []) expect(match).toMatch(/@(example\.com|my-gcp-project(-prod)?\.iam\.gserviceaccount\.com)$/);
    expect(exampleConfig(stack)["private-cloud-run-bootstrap:githubRepository"]).toMatch(/^example-/);
  });

  it("bootstraps the project that the main Pulumi.<stack>.yaml deploys to, for the GitHub environment of that name", () => {
    expect(exampleConfig(stack)["gcp:project"]).toBe(loadStackConfig(stack).config["gcp:project"]);
    expect(run.outputs.project).toBe(loadStackConfig(stack).config["gcp:project"]);
    expect(run.outputs.githubEnvironment).toBe(stack);
  });

  it("outputs every repository variable the workflows read for this stack", () => {
    const output = Object.keys(run.outputs.githubVariables as object);
    const read = variablesReadFor(stack.toUpperCase());
    expect(read.length).toBeGreaterThanOrEqual(5);
    expect(output).toEqual(expect.arrayContaining(read));
  });

  it("creates the smoke account that the main stack lists as an invoker of every service and job, and never the deploy account", () => {
    const smoke = `serviceAccount:${String(run.outputs.smokeServiceAccount)}`;
    const deploy = `serviceAccount:${String(run.outputs.deployServiceAccount)}`;
    expect(smoke).toBe(`serviceAccount:pulumi-smoke@${exampleConfig(stack)["gcp:project"]}.iam.gserviceaccount.com`);
    const settings = parseStackConfig(loadStackConfig(stack).config);
    // A service with internal ingress is out of the smoke test's reach: it needs no grant for it.
    const workloads = [...settings.services.filter((s) => s.ingress === "all"), ...settings.jobs];
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) {
      expect({ workload: workload.name, smoke: workload.invokers.includes(smoke), deploy: workload.invokers.includes(deploy) }).toEqual({ workload: workload.name, smoke: true, deploy: false });
    }
  });
});

describe("the prod bootstrap: only the prod environment on the default branch may deploy", () => {
  let run: BootstrapRun;
  const PROD_POOL = POOL;
  beforeAll(async () => {
    run = await runBootstrap(exampleConfig("prod"), "prod");
  });

  it("refuses, at the token exchange, a prod-environment token from any ref but refs/heads/main", () => {
    const [provider] = ofType(run, "workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider.inputs.attributeCondition).toBe(
      `assertion.repository == "${REPO}" && assertion.repository_id == "123456789" && ` +
        `(assertion.sub != "repo:${REPO}:environment:prod" || assertion.ref == "refs/heads/main")`,
    );
  });

  it("binds the prod deploy account to the prod environment's subject only", () => {
    const prodDeploy = `projects/${PROJECT}-prod/serviceAccounts/pulumi-deploy@${PROJECT}-prod.iam.gserviceaccount.com`;
    const wif = grants(run).filter((grant) => grant.role === "roles/iam.workloadIdentityUser" && grant.inputs.serviceAccountId === prodDeploy);
    expect(wif.map((grant) => grant.member)).toEqual([subjectPrincipal(PROD_POOL, `repo:${REPO}:environment:prod`)]);
    // Pull-request jobs get the read-only preview account, never this one.
    expect(wif.map((grant) => grant.member)).not.toContain(subjectPrincipal(PROD_POOL, `repo:${REPO}:pull_request`));
  });

  it("fills the …_PROD variables", () => {
    expect(Object.keys(run.outputs.githubVariables as object).every((name) => name.endsWith("_PROD"))).toBe(true);
  });
});

describe("bootstrap variants", () => {
  it("with artifactRepository: writer (deploy) and reader (preview) on that repository only, nothing on the project", async () => {
    const run = await runBootstrap({ ...exampleConfig(), "private-cloud-run-bootstrap:artifactRepository": "private-cloud-run" });
    const registry = grants(run).filter((grant) => grant.role.startsWith("roles/artifactregistry."));
    const onRepository = expect.objectContaining({ repository: "private-cloud-run", location: "asia-east1", project: PROJECT });
    expect(registry).toEqual([
      { type: "artifactregistry/repositoryIamMember", role: "roles/artifactregistry.writer", member: DEPLOY_MEMBER, inputs: onRepository },
      { type: "artifactregistry/repositoryIamMember", role: "roles/artifactregistry.reader", member: PREVIEW.member, inputs: onRepository },
    ]);
  });

  it("without a repository id: the condition checks the repository name alone", async () => {
    const config = exampleConfig();
    delete config["private-cloud-run-bootstrap:githubRepositoryId"];
    const run = await runBootstrap(config, "prod");
    const [provider] = ofType(run, "workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider.inputs.attributeCondition).toBe(`assertion.repository == "${REPO}"`);
  });

  it("restricts the deploy environment to another default branch when told, and binds previews on that branch", async () => {
    const config = { ...exampleConfig(), "private-cloud-run-bootstrap:deployFromAnyBranch": "false", "private-cloud-run-bootstrap:defaultBranch": "trunk" };
    const run = await runBootstrap(config);
    const [provider] = ofType(run, "workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider.inputs.attributeCondition).toContain(`(assertion.sub != "repo:${REPO}:environment:dev" || assertion.ref == "refs/heads/trunk")`);
    const previewSubjects = grants(run).filter((grant) => grant.role === "roles/iam.workloadIdentityUser" && grant.inputs.serviceAccountId === PREVIEW.name);
    expect(previewSubjects.map((grant) => grant.member)).toContain(subject(`repo:${REPO}:ref:refs/heads/trunk`));
  });

  it("names the variables after githubEnvironment, or the stack", async () => {
    const config = exampleConfig();
    delete config["private-cloud-run-bootstrap:githubEnvironment"];
    const run = await runBootstrap(config, "prod");
    expect(Object.keys(run.outputs.githubVariables as object)).toContain("GCP_DEPLOY_SERVICE_ACCOUNT_PROD");
  });

  it("rejects invalid config, naming every bad key, its value and the fix", async () => {
    const bad = {
      "gcp:project": "Example_Project",
      "gcp:region": "asia-east1",
      "private-cloud-run-bootstrap:githubRepository": 'evil" || true || "',
      "private-cloud-run-bootstrap:stateVersionRetentionDays": "0",
      "private-cloud-run-bootstrap:deployServiceAcount": "typo",
    };
    const attempt = runBootstrap(bad);
    await expect(attempt).rejects.toThrow(BootstrapConfigError);
    const error = (await attempt.catch((e: unknown) => e)) as BootstrapConfigError;
    expect(error.problems.map((problem) => problem.path).sort()).toEqual([
      "gcp:project",
      "private-cloud-run-bootstrap:deployServiceAcount",
      "private-cloud-run-bootstrap:githubRepository",
      "private-cloud-run-bootstrap:stateVersionRetentionDays",
    ]);
    expect(error.message).toContain('private-cloud-run-bootstrap:githubRepository: "evil\\" || true || \\"" is not a GitHub repository written OWNER/REPO; set it with `pulumi config set private-cloud-run-bootstrap:githubRepository my-org/my-repo`');
  });
});

describe("a stack that schedules jobs and reads secrets: the least roles to deploy and preview them", () => {
  let run: BootstrapRun;
  let plain: BootstrapRun;
  const SECRET_ROLE = `projects/${PROJECT}/roles/privateCloudRunSecretIamGranter`;
  beforeAll(async () => {
    run = await runBootstrap({
      ...exampleConfig(),
      "private-cloud-run-bootstrap:scheduledJobs": "true",
      // Pulumi hands a list over as its JSON text.
      "private-cloud-run-bootstrap:secrets": JSON.stringify(["db-password", "api_key"]),
    });
    plain = await runBootstrap(exampleConfig());
  });
  const grantsOf = (r: BootstrapRun, member: string) => grants(r).filter((grant) => grant.member === member);

  it("deploy: Cloud Scheduler admin on the project; preview: Cloud Scheduler viewer", () => {
    const scheduler = grants(run).filter((grant) => grant.role.startsWith("roles/cloudscheduler."));
    expect(scheduler.map((grant) => [grant.type, grant.role, grant.member])).toEqual([
      ["projects/iAMMember", SCHEDULER_ADMIN.role, DEPLOY_MEMBER],
      ["projects/iAMMember", PREVIEW_SCHEDULER_VIEWER.role, PREVIEW.member],
    ]);
  });

  it("deploy: a custom role that only reads and sets a secret's IAM policy, on each listed secret and nowhere else", () => {
    const [role] = ofType(run, "projects/iAMCustomRole:IAMCustomRole");
    expect(role.inputs).toMatchObject({ project: PROJECT, roleId: "privateCloudRunSecretIamGranter", permissions: [...SECRET_IAM_PERMISSIONS] });
    // Never a value: no secretmanager.versions.access, no secretAccessor, no admin.
    expect(JSON.stringify(role.inputs.permissions)).not.toMatch(/versions|secrets\.(create|delete|update)/);
    const deploy = grantsOf(run, DEPLOY_MEMBER).filter((grant) => grant.type.startsWith("secretmanager/"));
    expect(deploy.map((grant) => [grant.inputs.secretId, grant.role, grant.inputs.project])).toEqual([
      ["db-password", SECRET_ROLE, PROJECT],
      ["api_key", SECRET_ROLE, PROJECT],
    ]);
    expect(grants(run).filter((grant) => grant.type.startsWith("projects/") && /secretmanager/.test(grant.role))).toEqual([]);
  });

  it("preview: Secret Manager viewer (metadata and IAM policy, no value) on each listed secret only", () => {
    const preview = grantsOf(run, PREVIEW.member).filter((grant) => grant.type.startsWith("secretmanager/"));
    expect(preview.map((grant) => [grant.inputs.secretId, grant.role])).toEqual([
      ["db-password", PREVIEW_SECRET_VIEWER.role],
      ["api_key", PREVIEW_SECRET_VIEWER.role],
    ]);
    for (const grant of grants(run)) expect(FORBIDDEN_ROLES).not.toContain(grant.role);
  });

  it("enables Cloud Scheduler's and Secret Manager's APIs now, so the first up does not race them", () => {
    const apis = ofType(run, "projects/service:Service").map((api) => api.inputs.service);
    expect(apis).toEqual(expect.arrayContaining(["cloudscheduler.googleapis.com", "secretmanager.googleapis.com"]));
    const plainApis = ofType(plain, "projects/service:Service").map((api) => api.inputs.service);
    expect(plainApis).not.toContain("cloudscheduler.googleapis.com");
    expect(plainApis).not.toContain("secretmanager.googleapis.com");
  });

  it("without those keys, none of it exists", () => {
    expect(grants(plain).filter((grant) => /cloudscheduler|secretmanager|privateCloudRunSecret/.test(grant.role))).toEqual([]);
    expect(ofType(plain, "projects/iAMCustomRole:IAMCustomRole")).toEqual([]);
  });

  it("lists the extra grants in the outputs", () => {
    const roles = (run.outputs.deployRoles as { role: string }[]).map((grant) => grant.role);
    expect(roles).toEqual(expect.arrayContaining([SCHEDULER_ADMIN.role, SECRET_ROLE]));
    expect((run.outputs.previewRoles as { role: string }[]).map((grant) => grant.role)).toEqual(expect.arrayContaining([PREVIEW_SCHEDULER_VIEWER.role, PREVIEW_SECRET_VIEWER.role]));
  });
});

describe("the bootstrap program validates first", () => {
  it("rejects bad config before registering any resource", async () => {
    const { error, registered } = await programWith({ ...exampleConfig(), "private-cloud-run-bootstrap:githubRepository": "not a repo" });
    expect(error).toBeInstanceOf(BootstrapConfigError);
    expect(registered).toBe(0);
  });

  it("registers resources with a good config (the check above can fail)", async () => {
    const { error, registered } = await programWith(exampleConfig());
    expect(error).toBeUndefined();
    expect(registered).toBeGreaterThan(10);
  });
});

describe("bootstrap config and helpers (pure)", () => {
  const minimal = { "gcp:project": "example-project", "gcp:region": "asia-east1", "private-cloud-run-bootstrap:githubRepository": REPO };

  it("applies the defaults", () => {
    expect(parseBootstrapConfig(minimal, "dev")).toEqual({
      project: "example-project",
      region: "asia-east1",
      githubRepository: REPO,
      githubRepositoryId: undefined,
      githubEnvironment: "dev",
      variableSuffix: "DEV",
      defaultBranch: "main",
      deployFromAnyBranch: false,
      stateBucket: "example-project-pulumi-state",
      stateVersionRetentionDays: 90,
      stateSoftDeleteDays: 90,
      keyRing: "pulumi",
      cryptoKey: "pulumi-state",
      workloadIdentityPool: "github",
      workloadIdentityProvider: "github-actions",
      deployServiceAccount: "pulumi-deploy",
      previewServiceAccount: "pulumi-preview",
      smokeServiceAccount: "pulumi-smoke",
      outsiderServiceAccount: "pulumi-outsider",
      artifactRepository: undefined,
      scheduledJobs: false,
      secrets: [],
    });
  });

  it.each([
    ["gcp:project", undefined, /is required; set it with `pulumi config set gcp:project my-project`/],
    ["private-cloud-run-bootstrap:githubRepository", "no-slash", /is not a GitHub repository written OWNER\/REPO/],
    ["private-cloud-run-bootstrap:githubRepositoryId", "12a", /is not a numeric repository id/],
    ["private-cloud-run-bootstrap:workloadIdentityPool", "gcp-reserved", /is not a workload identity pool id/],
    ["private-cloud-run-bootstrap:deployServiceAccount", "x", /is not a service account id/],
    ["private-cloud-run-bootstrap:stateVersionRetentionDays", "1.5", /must be a whole number of days/],
    ["private-cloud-run-bootstrap:artifactRepository", "Images", /is not an Artifact Registry repository id/],
    ["private-cloud-run-bootstrap:stateSoftDeleteDays", "5", /must be 7 to 90 days \(Cloud Storage's soft-delete range\)/],
    ["private-cloud-run-bootstrap:stateSoftDeleteDays", "91", /must be 7 to 90 days/],
    ["private-cloud-run-bootstrap:deployFromAnyBranch", "yes", /must be true or false; set it with `pulumi config set private-cloud-run-bootstrap:deployFromAnyBranch true`/],
    ["private-cloud-run-bootstrap:defaultBranch", 'main" || true', /is not a branch name/],
    ["private-cloud-run-bootstrap:githubEnvironment", 'prod" || true', /is not a GitHub environment name/],
    ["private-cloud-run-bootstrap:smokeServiceAccount", "Smoke", /is not a service account id/],
    ["private-cloud-run-bootstrap:scheduledJobs", "yes", /must be true or false; set it with `pulumi config set private-cloud-run-bootstrap:scheduledJobs true`/],
    ["private-cloud-run-bootstrap:secrets", '["projects/other/secrets/x"]', /is not a secret id of this project .*not a projects\/… path\); set each with `pulumi config set --path 'private-cloud-run-bootstrap:secrets\[0\]' db-password`/],
    ["private-cloud-run-bootstrap:secrets", "db-password", /must be a list of secret ids; set each with/],
    ["private-cloud-run-bootstrap:secrets", '["a", "a"]', /names a secret twice; list each once/],
  ])("rejects %s = %p", (key, value, message) => {
    const raw: Record<string, unknown> = { ...minimal, [key]: value };
    if (value === undefined) delete raw[key];
    expect(() => parseBootstrapConfig(raw, "dev")).toThrow(message);
    try {
      parseBootstrapConfig(raw, "dev");
    } catch (error) {
      expect((error as BootstrapConfigError).problems).toEqual([{ path: key, value, message: expect.any(String) }]);
    }
  });

  it("builds the provider condition, GitHub's subjects and the subject principal", () => {
    expect(githubAttributeCondition("o/r")).toBe('assertion.repository == "o/r"');
    expect(githubAttributeCondition("o/r", "42")).toBe('assertion.repository == "o/r" && assertion.repository_id == "42"');
    expect(githubAttributeCondition("o/r", undefined, { environment: "prod", branch: "main" })).toBe(
      'assertion.repository == "o/r" && (assertion.sub != "repo:o/r:environment:prod" || assertion.ref == "refs/heads/main")',
    );
    expect([githubSubject.environment("o/r", "prod"), githubSubject.pullRequest("o/r"), githubSubject.branch("o/r", "main")]).toEqual([
      "repo:o/r:environment:prod",
      "repo:o/r:pull_request",
      "repo:o/r:ref:refs/heads/main",
    ]);
    expect(subjectPrincipal("projects/1/locations/global/workloadIdentityPools/p", "repo:o/r:environment:prod")).toBe(
      "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/repo:o/r:environment:prod",
    );
  });
});
