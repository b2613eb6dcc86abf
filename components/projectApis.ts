import * as projects from "@pulumi/gcp/projects";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contract";

/** The Google APIs the stack needs. */
export const REQUIRED_APIS = [
  "run.googleapis.com",
  "artifactregistry.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
] as const;

/** APIs a stack needs only when it uses the feature: enabled then, left alone otherwise. */
export const OPTIONAL_APIS = {
  /** A workload reads a secret (the stack grants access to it; Cloud Run reads it). */
  secrets: "secretmanager.googleapis.com",
  /** A job runs on a schedule. */
  schedules: "cloudscheduler.googleapis.com",
} as const;

/** The APIs of a stack: the required ones, then the optional ones it uses. */
export function stackApis(uses: { [feature in keyof typeof OPTIONAL_APIS]: boolean }): string[] {
  const optional = (Object.keys(OPTIONAL_APIS) as (keyof typeof OPTIONAL_APIS)[]).filter((feature) => uses[feature]).map((feature) => OPTIONAL_APIS[feature]);
  return [...REQUIRED_APIS, ...optional];
}

export interface ProjectApisArgs {
  /** GCP project id. */
  project: pulumi.Input<string>;
  /**
   * APIs to enable.
   * @default REQUIRED_APIS (run, artifactregistry, iam, iamcredentials)
   */
  apis?: readonly string[];
}

/** Enables the APIs the stack needs, and leaves them enabled on destroy. */
export class ProjectApis extends pulumi.ComponentResource {
  /** One `projects.Service` per API; other resources depend on these. */
  readonly services: projects.Service[];

  constructor(name: string, args: ProjectApisArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.projectApis, name, {}, opts);
    const self = { parent: this };
    this.services = (args.apis ?? REQUIRED_APIS).map(
      (api) =>
        new projects.Service(
          `${name}-${api.split(".")[0]}`,
          {
            project: args.project,
            service: api,
            // Said explicitly (v9's default): disabling an API on destroy would break
            // anything else in the project that uses it.
            disableOnDestroy: false,
          },
          self,
        ),
    );
    this.registerOutputs({});
  }
}
