/**
 * Artifact Registry repository + image build/push, deployed by digest.
 * Step 1 of the manual path (docs/stack.md, "the five manual steps"): build for
 * linux/amd64, push to Artifact Registry with an access token
 * (https://cloud.google.com/artifact-registry/docs/docker/authentication) —
 * with no `gcloud auth configure-docker` on the machine.
 */
import * as dockerBuild from "@pulumi/docker-build";
import * as artifactregistry from "@pulumi/gcp/artifactregistry";
import * as organizations from "@pulumi/gcp/organizations";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, REPOSITORY_DEFAULTS } from "../contract";
import { buildContextProblems, dockerfileLocation } from "./buildContext";

// The defaults this component applies; their values live in contract/, where the config reads them without Pulumi.
export { REPOSITORY_DEFAULTS } from "../contract";

export interface ArtifactRepositoryArgs {
  /** GCP project id. */
  project: pulumi.Input<string>;
  /** Region of the repository (same as the services, so pulls stay in-region). */
  region: string;
  /**
   * Repository id.
   * @default REPOSITORY_DEFAULTS.repositoryId
   */
  repositoryId?: string;
  /**
   * KEEP policy: the N most recent versions of each image are never deleted.
   * @default REPOSITORY_DEFAULTS.keepRecentVersions
   */
  keepRecentVersions?: number;
  /**
   * DELETE policy: untagged versions older than this, in whole seconds.
   * @default REPOSITORY_DEFAULTS.deleteUntaggedOlderThan (7 days)
   */
  deleteUntaggedOlderThan?: string;
  /**
   * Only evaluate the cleanup policies, delete nothing.
   * @default REPOSITORY_DEFAULTS.cleanupDryRun
   */
  cleanupDryRun?: boolean;
  /**
   * False: the repository exists already and another stack owns it (a per-PR
   * stack pushes to dev's); nothing is created, and the cleanup settings above
   * are the owner's business.
   * @default REPOSITORY_DEFAULTS.createRepository
   */
  create?: boolean;
  /** Resources to create first (e.g. the enabled APIs). Passed to the repository itself: children do not inherit a component's dependsOn. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One DOCKER repository with safe cleanup policies, or a reference to an existing one. */
export class ArtifactRepository extends pulumi.ComponentResource {
  /** The repository, when this stack creates it. */
  readonly repository?: artifactregistry.Repository;
  /** Registry host to log in to: `<region>-docker.pkg.dev`. */
  readonly registryHost: string;
  /** `<region>-docker.pkg.dev/<project>/<repository>`: prefix of every image name. */
  readonly imagePrefix: pulumi.Output<string>;

  constructor(name: string, args: ArtifactRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.artifactRepository, name, {}, opts);
    const self = { parent: this };
    this.registryHost = `${args.region}-docker.pkg.dev`;
    const repositoryId = args.repositoryId ?? REPOSITORY_DEFAULTS.repositoryId;
    if (!(args.create ?? REPOSITORY_DEFAULTS.createRepository)) {
      // Pushing only: the push needs artifactregistry.writer there, never repositories.create.
      this.imagePrefix = pulumi.interpolate`${this.registryHost}/${args.project}/${repositoryId}`;
      this.registerOutputs({ imagePrefix: this.imagePrefix });
      return;
    }
    this.repository = new artifactregistry.Repository(
      `${name}-repo`,
      {
        project: args.project,
        location: args.region,
        repositoryId,
        format: "DOCKER",
        description: "Images deployed by private-cloud-run (managed by Pulumi).",
        // Said explicitly: false = the policies below really delete.
        cleanupPolicyDryRun: args.cleanupDryRun ?? REPOSITORY_DEFAULTS.cleanupDryRun,
        cleanupPolicies: [
          // KEEP wins over DELETE: the deployed image is always among the most recent versions.
          { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: args.keepRecentVersions ?? REPOSITORY_DEFAULTS.keepRecentVersions } },
          // Only UNTAGGED versions, never a prefix-only DELETE (that would delete the deployed digest).
          { id: "delete-old-untagged", action: "DELETE", condition: { tagState: "UNTAGGED", olderThan: args.deleteUntaggedOlderThan ?? REPOSITORY_DEFAULTS.deleteUntaggedOlderThan } },
        ],
      },
      { ...self, dependsOn: args.dependsOn },
    );
    this.imagePrefix = pulumi.interpolate`${this.registryHost}/${this.repository.project}/${this.repository.repositoryId}`;
    this.registerOutputs({ imagePrefix: this.imagePrefix });
  }
}

/** The username a registry login with a Google OAuth access token takes. */
export const ACCESS_TOKEN_USERNAME = "oauth2accesstoken";

/**
 * The provider's own OAuth access token, kept in memory and marked secret: no
 * `gcloud auth configure-docker`, nothing written to ~/.docker/config.json. It
 * is only ever handed to a Google registry (Artifact Registry).
 */
export function registryAccessToken(opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return pulumi.secret(organizations.getClientConfigOutput(opts).accessToken);
}

/** Tag of the registry build cache, beside each image's own tags. */
export const BUILD_CACHE_TAG = "buildcache";

export interface ArtifactImageArgs {
  /** Where to push. */
  repository: ArtifactRepository;
  /** Build context directory, relative to the project directory: inside it, never its root. */
  source: string;
  /**
   * The Dockerfile, relative to `source`.
   * @default source's Dockerfile
   */
  dockerfile?: string;
  /**
   * The Pulumi project directory `source` is relative to (the builder resolves it from there).
   * @default the working directory, which Pulumi sets to the project directory
   */
  projectDir?: string;
  /** Image name inside the repository, e.g. "app". */
  imageName: string;
  /**
   * Another image in the same repository whose build cache is read too (never
   * written): a per-PR stack's "app-pr42" starts from dev's "app" layers.
   */
  sharedCacheImageName?: string;
  /**
   * Target platforms. Cloud Run runs linux/amd64, so build for it even on an arm64 laptop.
   * @default ["linux/amd64"]
   */
  platforms?: dockerBuild.Platform[];
  /**
   * Tag pushed beside the digest (for people browsing the registry; deploys use the digest).
   * @default "latest"
   */
  tag?: string;
}

/** Builds one source with buildx and pushes it; exposes the digest-pinned reference. */
export class ArtifactImage extends pulumi.ComponentResource {
  readonly image: dockerBuild.Image;
  /** `<region>-docker.pkg.dev/<project>/<repo>/<image>@sha256:…`: deploy by digest, so a rebuild rolls a revision and an unchanged source rolls none. */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: ArtifactImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Defence in depth: config validation already checked the context, but a component used directly must too.
    const [problem] = buildContextProblems(args.projectDir ?? process.cwd(), args.source, args.dockerfile);
    if (problem !== undefined) throw new Error(`${name}: ${problem.key} ${JSON.stringify(problem.key === "source" ? args.source : args.dockerfile)} ${problem.message}`);
    super(COMPONENT_TYPES.artifactImage, name, {}, opts);
    const self = { parent: this };
    const repository = pulumi.interpolate`${args.repository.imagePrefix}/${args.imageName}`;
    const accessToken = registryAccessToken(self);
    // BuildKit's layer cache, kept in the registry beside the image: a CI
    // runner starts empty, so without it every deploy rebuilds every layer.
    const cache = pulumi.interpolate`${repository}:${BUILD_CACHE_TAG}`;
    const dockerfile = dockerfileLocation(args.source, args.dockerfile);
    const sharedCache = args.sharedCacheImageName ? [pulumi.interpolate`${args.repository.imagePrefix}/${args.sharedCacheImageName}:${BUILD_CACHE_TAG}`] : [];
    this.image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: args.source },
        ...(dockerfile === undefined ? {} : { dockerfile: { location: dockerfile } }),
        platforms: args.platforms ?? ["linux/amd64"],
        push: true,
        tags: [pulumi.interpolate`${repository}:${args.tag ?? "latest"}`],
        registries: [{ address: args.repository.registryHost, username: ACCESS_TOKEN_USERNAME, password: accessToken }],
        cacheFrom: [cache, ...sharedCache].map((ref) => ({ registry: { ref } })),
        // mode max caches every stage's layers; an OCI image manifest is the
        // cache format registries accept most widely. A failed cache export
        // must not fail a deploy whose image was built and pushed.
        cacheTo: [{ registry: { ref: cache, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true, ignoreError: true } }],
        // A preview neither builds nor pushes: it runs as the read-only preview
        // account, and the digest is only known after the real build.
        buildOnPreview: false,
      },
      { ...self, dependsOn: args.repository.repository ? [args.repository.repository] : [] },
    );
    this.ref = pulumi.interpolate`${repository}@${this.image.digest}`;
    this.registerOutputs({ ref: this.ref });
  }
}
