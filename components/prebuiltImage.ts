/**
 * A prebuilt image, deployed by digest like a built one. A digest is used as
 * written. A tag is resolved to the digest it points at, at deploy time, with
 * `@pulumi/docker`'s getRegistryImage (the registry's API, no pull): a moved tag
 * rolls a revision on the next `pulumi up`, an unmoved one rolls none. Registry
 * credentials stay in memory (the provider's access token, secret), and only a
 * Google registry ever receives them; a public registry is read anonymously.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, isGoogleRegistry, parseImageReference, type ImageReference } from "../contract";
import { ACCESS_TOKEN_USERNAME, registryAccessToken } from "./artifactImage";

export interface PrebuiltImageArgs {
  /** REGISTRY/PATH:TAG, REGISTRY/PATH@sha256:DIGEST, or both (the digest wins). */
  image: string;
}

/** The reference, checked again here: the component may be used without the config. */
function parsed(name: string, image: string): ImageReference {
  const reference = parseImageReference(image);
  if ("problem" in reference) throw new Error(`${name}: image ${JSON.stringify(image)} ${reference.problem}`);
  return reference;
}

/** Resolves one prebuilt image reference to a digest-pinned one. */
export class PrebuiltImage extends pulumi.ComponentResource {
  /** `REGISTRY/PATH[:TAG]@sha256:…`: what the workload deploys. */
  readonly ref: pulumi.Output<string>;
  /** The registry client that resolves a tag (none for a digest). */
  readonly provider?: docker.Provider;

  constructor(name: string, args: PrebuiltImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const reference = parsed(name, args.image);
    super(COMPONENT_TYPES.prebuiltImage, name, {}, opts);
    if (reference.digest !== undefined) {
      this.ref = pulumi.output(args.image);
    } else {
      const self = { parent: this };
      // A Google registry gets the deploy identity's access token; any other registry nothing at all.
      const registryAuth = isGoogleRegistry(reference.registry)
        ? [{ address: reference.registry, username: ACCESS_TOKEN_USERNAME, password: registryAccessToken(self) }]
        : [];
      this.provider = new docker.Provider(`${name}-registry`, { registryAuth }, self);
      const resolved = docker.getRegistryImageOutput({ name: args.image }, { parent: this, provider: this.provider });
      this.ref = pulumi.interpolate`${args.image}@${resolved.sha256Digest}`;
    }
    this.registerOutputs({ image: args.image, ref: this.ref });
  }
}
