/**
 * The bootstrap, wired: APIs → state backend → GitHub identity → the CI
 * identities (deploy, preview, smoke, outsider). Returns the stack outputs,
 * including the GitHub repository variables the workflows read and the `gh`
 * commands that set them.
 */
import * as pulumi from "@pulumi/pulumi";
import { OPTIONAL_APIS, ProjectApis, REQUIRED_APIS } from "../components/projectApis";
import { DeployServiceAccount } from "./components/deployServiceAccount";
import { GithubWorkloadIdentity, githubSubject } from "./components/githubWorkloadIdentity";
import { PreviewServiceAccount } from "./components/previewServiceAccount";
import { StateBackend } from "./components/stateBackend";
import { TestIdentities } from "./components/testIdentities";
import type { BootstrapSettings } from "./config";
import { TEST_IDENTITY_TOKEN_CREATOR } from "./roles";

/** APIs the bootstrap itself needs. */
export const BOOTSTRAP_OWN_APIS = [
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "sts.googleapis.com",
  "cloudkms.googleapis.com",
  "storage.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "serviceusage.googleapis.com",
];

/**
 * Every API enabled here: the bootstrap's own and the stack's (run,
 * artifactregistry, …). Enabling the stack's APIs now, long before the first
 * `pulumi up`, means that `up` does not race the enablement or the creation of
 * Cloud Run's service agent in a fresh project.
 */
export const BOOTSTRAP_APIS = [...new Set([...BOOTSTRAP_OWN_APIS, ...REQUIRED_APIS])];

/** BOOTSTRAP_APIS, plus the optional APIs of the features the stack uses (enabled now for the same reason). */
export function bootstrapApis(settings: Pick<BootstrapSettings, "scheduledJobs" | "secrets">): string[] {
  return [...BOOTSTRAP_APIS, ...(settings.scheduledJobs ? [OPTIONAL_APIS.schedules] : []), ...(settings.secrets.length > 0 ? [OPTIONAL_APIS.secrets] : [])];
}

/** Names of the GitHub repository variables, for one environment suffix ("DEV"). */
export function githubVariableNames(suffix: string) {
  return {
    provider: `GCP_WORKLOAD_IDENTITY_PROVIDER_${suffix}`,
    serviceAccount: `GCP_DEPLOY_SERVICE_ACCOUNT_${suffix}`,
    previewServiceAccount: `GCP_PREVIEW_SERVICE_ACCOUNT_${suffix}`,
    smokeServiceAccount: `GCP_SMOKE_SERVICE_ACCOUNT_${suffix}`,
    outsiderServiceAccount: `GCP_OUTSIDER_SERVICE_ACCOUNT_${suffix}`,
    backendUrl: `PULUMI_BACKEND_URL_${suffix}`,
    secretsProvider: `PULUMI_SECRETS_PROVIDER_${suffix}`,
  };
}

/** Creates everything; returns the stack outputs. */
export function createBootstrap(settings: BootstrapSettings) {
  // The main program's component: one Service per API (api-iam, …), left enabled on destroy.
  const apis = new ProjectApis("api", { project: settings.project, apis: bootstrapApis(settings) });
  const afterApis = { dependsOn: apis.services };

  const backend = new StateBackend("state", {
    project: settings.project,
    region: settings.region,
    bucketName: settings.stateBucket,
    retentionDays: settings.stateVersionRetentionDays,
    softDeleteDays: settings.stateSoftDeleteDays,
    keyRing: settings.keyRing,
    cryptoKey: settings.cryptoKey,
  }, afterApis);

  const repository = settings.githubRepository;
  const github = new GithubWorkloadIdentity("github", {
    project: settings.project,
    poolId: settings.workloadIdentityPool,
    providerId: settings.workloadIdentityProvider,
    repository,
    repositoryId: settings.githubRepositoryId,
    deployRestriction: settings.deployFromAnyBranch ? undefined : { environment: settings.githubEnvironment, branch: settings.defaultBranch },
  }, afterApis);

  const deployer = new DeployServiceAccount("deploy", {
    project: settings.project,
    region: settings.region,
    accountId: settings.deployServiceAccount,
    stateBucket: backend.bucket.name,
    cryptoKeyId: backend.key.id,
    environmentPrincipal: github.principal(githubSubject.environment(repository, settings.githubEnvironment)),
    artifactRepository: settings.artifactRepository,
    scheduledJobs: settings.scheduledJobs,
    secrets: settings.secrets,
  }, afterApis);

  const previewer = new PreviewServiceAccount("preview", {
    project: settings.project,
    region: settings.region,
    accountId: settings.previewServiceAccount,
    stateBucket: backend.bucket.name,
    cryptoKeyId: backend.key.id,
    principals: [
      github.principal(githubSubject.pullRequest(repository)),
      github.principal(githubSubject.branch(repository, settings.defaultBranch)),
    ],
    artifactRepository: settings.artifactRepository,
    scheduledJobs: settings.scheduledJobs,
    secrets: settings.secrets,
  }, afterApis);

  const testers = new TestIdentities("test", {
    project: settings.project,
    smokeAccountId: settings.smokeServiceAccount,
    outsiderAccountId: settings.outsiderServiceAccount,
    tokenMinter: deployer.member,
  }, afterApis);

  const names = githubVariableNames(settings.variableSuffix);
  const githubVariables = pulumi
    .all([github.providerName, deployer.email, previewer.email, testers.smoke.email, testers.outsider.email, backend.backendUrl, backend.secretsProvider])
    .apply(([provider, deploy, preview, smoke, outsider, backendUrl, secretsProvider]) => ({
      [names.provider]: provider,
      [names.serviceAccount]: deploy,
      [names.previewServiceAccount]: preview,
      [names.smokeServiceAccount]: smoke,
      [names.outsiderServiceAccount]: outsider,
      [names.backendUrl]: backendUrl,
      [names.secretsProvider]: secretsProvider,
    }));

  return {
    project: settings.project,
    region: settings.region,
    githubEnvironment: settings.githubEnvironment,
    backendUrl: backend.backendUrl,
    secretsProvider: backend.secretsProvider,
    workloadIdentityProvider: github.providerName,
    deployServiceAccount: deployer.email,
    previewServiceAccount: previewer.email,
    smokeServiceAccount: testers.smoke.email,
    outsiderServiceAccount: testers.outsider.email,
    deployRoles: [...deployer.grants, TEST_IDENTITY_TOKEN_CREATOR].map(({ role, scope }) => ({ role, scope })),
    previewRoles: previewer.grants.map(({ role, scope }) => ({ role, scope })),
    githubVariables,
    /** Paste into a shell in a clone of the repository. */
    ghCommands: githubVariables.apply((vars) =>
      Object.entries(vars).map(([name, value]) => `gh variable set ${name} --repo ${settings.githubRepository} --body '${value}'`),
    ),
  };
}
