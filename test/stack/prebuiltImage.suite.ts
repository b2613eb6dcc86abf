/**
 * `image:` instead of `source:`: a prebuilt image, deployed by digest. A digest
 * is used as written; a tag is resolved at deploy with @pulumi/docker's
 * getRegistryImage (offline: a labelled stand-in digest), with registry
 * credentials in memory and only ever for a Google registry.
 */
import type { Evaluation, RegisteredResource, StackConfig } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { standInDigest } from "../../offline/standInDigest";
import { renderWorkload } from "../../plan/render";
import { summarizeWorkloads } from "../../plan/workloads";
import { evaluatePolicies } from "../../policy/rules";
import { expectRefusedBeforeRegistering } from "../support/configHarness";
import { ofType, publicExposures, TYPES, workload } from "../support/stackHarness";

const base: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };
const svc = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:services": [{ name: "hello", invokers: ["user:a@example.com"], ...extra }] });
const S = "private-cloud-run:services[0]";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const AR_TAG = "asia-east1-docker.pkg.dev/my-gcp-project/apps/api:1.4.2";
const AR_DIGEST = `europe-docker.pkg.dev/other-project/apps/worker@${DIGEST}`;
const HUB_TAG = "docker.io/library/nginx:1.27";

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  ["both source and image", svc({ source: "./app", image: HUB_TAG }), `${S}.image`, HUB_TAG, /is set next to source; a workload is built from source or deployed from a prebuilt image, not both/],
  ["a dockerfile next to image", svc({ image: HUB_TAG, dockerfile: "Dockerfile.prod" }), `${S}.dockerfile`, "Dockerfile.prod", /is set next to image; a Dockerfile is only used to build a source/],
  ["neither source nor image", svc({}), `${S}.source`, undefined, /is required; write the build context directory, e\.g\. \.\/app \(or image: for a prebuilt image\)/],
  ["a reference without a registry", svc({ image: "nginx:1.27" }), `${S}.image`, "nginx:1.27", /names no registry; write the full reference/],
  ["a reference without tag or digest", svc({ image: "docker.io/library/nginx" }), `${S}.image`, "docker.io/library/nginx", /has neither a tag nor a digest/],
  ["a malformed digest", svc({ image: "docker.io/library/nginx@sha256:abc" }), `${S}.image`, "docker.io/library/nginx@sha256:abc", /malformed digest/],
  ["an upper-case path", svc({ image: "docker.io/Library/Nginx:1" }), `${S}.image`, "docker.io/Library/Nginx:1", /is not an image reference/],
  ["a registry with a port", svc({ image: "registry.example.com:5000/app:1" }), `${S}.image`, "registry.example.com:5000/app:1", /is not an image reference/],
  ["a newline in the reference", svc({ image: `${HUB_TAG}\n` }), `${S}.image`, `${HUB_TAG}\n`, /is not an image reference/],
  ["a registry Cloud Run does not pull from", svc({ image: "quay.io/acme/app:1.0" }), `${S}.image`, "quay.io/acme/app:1.0", /pulls from quay\.io, which Cloud Run does not pull from directly; .*remote repository/],
  ["a look-alike of Artifact Registry", svc({ image: "docker.pkg.dev.evil.example/app:1" }), `${S}.image`, "docker.pkg.dev.evil.example/app:1", /pulls from docker\.pkg\.dev\.evil\.example/],
  ["an image that is a number", svc({ image: 5 }), `${S}.image`, 5, /must be an image reference/],
];

describe("image: refused with path, value and fix, nothing registered", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => expectRefusedBeforeRegistering(config, path, value, message));
});

/** A stack of prebuilt images only: a tag in Artifact Registry (two workloads), a digest elsewhere, a public tag. */
function prebuiltStack(apiTag = AR_TAG): StackConfig {
  return {
    ...base,
    "private-cloud-run:deletionProtection": false,
    "private-cloud-run:services": [
      { name: "api", image: apiTag, invokers: ["user:a@example.com"] },
      { name: "edge", image: HUB_TAG, invokers: ["user:a@example.com"] },
    ],
    "private-cloud-run:jobs": [
      { name: "worker", image: AR_DIGEST, invokers: ["user:a@example.com"] },
      { name: "migrate", image: apiTag, command: ["node", "migrate.js"], invokers: ["user:a@example.com"] },
    ],
  };
}

const image = (r: RegisteredResource) => {
  const template = r.inputs.template as { containers?: { image: string }[]; template?: { containers: { image: string }[] } };
  return (template.containers ?? template.template!.containers)[0].image;
};

describe("image: deployed by digest", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await evaluateStack({ stack: "prebuilt", config: prebuiltStack() });
  });

  test("a digest is deployed as written; a tag as tag@digest, the digest read from the registry (offline: the stand-in)", () => {
    expect(image(workload(ev, TYPES.job, "worker"))).toBe(AR_DIGEST);
    expect(image(workload(ev, TYPES.service, "api"))).toBe(`${AR_TAG}@${standInDigest(AR_TAG)}`);
    expect(image(workload(ev, TYPES.job, "migrate"))).toBe(`${AR_TAG}@${standInDigest(AR_TAG)}`);
    expect(image(workload(ev, TYPES.service, "edge"))).toBe(`${HUB_TAG}@${standInDigest(HUB_TAG)}`);
  });

  test("nothing is built: no repository image, no docker-build Image; one resolution per distinct tag, none for a digest", () => {
    expect(ofType(ev, TYPES.image)).toEqual([]);
    expect(ofType(ev, "private-cloud-run:index:PrebuiltImage").map((r) => r.outputs?.image).sort()).toEqual([AR_DIGEST, AR_TAG, HUB_TAG].sort());
    expect(ofType(ev, TYPES.dockerProvider)).toHaveLength(2);
  });

  test("the access token goes, in memory and secret, to the Google registry only; the public registry is read anonymously", () => {
    const providers = ofType(ev, TYPES.dockerProvider);
    const auth = (r: RegisteredResource) => JSON.parse(String(r.inputs.registryAuth)) as { address: string; username: string; password: string }[];
    const google = providers.find((r) => auth(r).length > 0)!;
    expect(auth(google)).toEqual([{ address: "asia-east1-docker.pkg.dev", username: "oauth2accesstoken", password: expect.stringMatching(/^ya29\./) }]);
    expect(google.secretInputs).toContain("registryAuth");
    const hub = providers.find((r) => r !== google)!;
    expect(auth(hub)).toEqual([]);
    expect(JSON.stringify(hub.inputs)).not.toMatch(/ya29\./);
    // The token never reaches an output.
    expect(JSON.stringify(ev.outputs)).not.toMatch(/ya29\./);
  });

  test("the outputs keep the reference as written; the plan shows the tag and labels the stand-in digest, not a real one", () => {
    const outputs = ev.outputs as { services: Record<string, { image: string; imageReference?: string }>; jobs: Record<string, { image: string; imageReference?: string }> };
    expect(outputs.services.api.imageReference).toBe(AR_TAG);
    expect(outputs.jobs.worker).toMatchObject({ image: AR_DIGEST, imageReference: AR_DIGEST });
    const lines = (name: string) => renderWorkload(summarizeWorkloads(ev).find((w) => w.name === name)!);
    expect(lines("api")).toContain(`    image               ${AR_TAG}@${standInDigest(AR_TAG)}  (stand-in digest, offline: the tag is resolved at deploy)`);
    expect(lines("worker").join("\n")).not.toMatch(/stand-in/);
  });

  test("every image passes the digest rule; nothing is public; no policy finding", () => {
    expect(publicExposures(ev)).toEqual([]);
    expect(evaluatePolicies(ev.resources, { stack: ev.stack })).toEqual([]);
  });

  test("a moved tag is a changed image: another tag gives another digest", async () => {
    const moved = await evaluateStack({ stack: "prebuilt", config: prebuiltStack(AR_TAG.replace("1.4.2", "1.4.3")) });
    expect(image(workload(moved, TYPES.service, "api"))).not.toBe(image(workload(ev, TYPES.service, "api")));
    expect(image(workload(moved, TYPES.job, "worker"))).toBe(AR_DIGEST);
  });
});
