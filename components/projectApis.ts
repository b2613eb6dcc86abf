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
