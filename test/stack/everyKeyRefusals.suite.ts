/**
 * The every-key stack with one workload key made wrong at a time, planned by
 * `npm start` (in-process): exit 2, nothing on stdout, and stderr names the key's
 * path and the value. The messages themselves are asserted per key in
 * runtimeKeys/callers/schedule/prebuiltImage.suite.ts; this is the CLI's contract.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { planInProcess } from "../support/planInProcess";
import { REPO_ROOT } from "../support/stackHarness";

type Workload = Record<string, unknown>;
type Config = Record<string, unknown> & { "private-cloud-run:services": Workload[]; "private-cloud-run:jobs": Workload[] };

const S = "private-cloud-run:services";
const J = "private-cloud-run:jobs";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "every-key-refusals-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The every-key fixture with `change` applied, written as a stack file. */
function everyKeyWith(change: (config: Config) => void): string {
  const document = parse(readFileSync(join(REPO_ROOT, "test/fixtures/Pulumi.every-key.yaml"), "utf8")) as { config: Config };
  change(document.config);
  const file = join(dir, `Pulumi.case${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

const api = (c: Config) => c[S][0];
const web = (c: Config) => c[S][1];
const nightly = (c: Config) => c[J][0];
const report = (c: Config) => c[J][1];

/** [key, change, path printed, value printed (or, for a value too long to print here, what stderr says of it)] */
const CASES: [string, (c: Config) => void, string, unknown][] = [
  ["env", (c) => ((api(c).env as Workload).PORT = "9090"), `${S}[0].env.PORT`, "9090"],
  ["secrets", (c) => ((api(c).secrets as Workload).DB_PASSWORD = "projects/other-project/secrets/db"), `${S}[0].secrets.DB_PASSWORD`, "projects/other-project/secrets/db"],
  ["resources", (c) => ((api(c).resources as Workload).cpu = 3), `${S}[0].resources.cpu`, 3],
  ["scaling", (c) => ((api(c).scaling as Workload).min = 9), `${S}[0].scaling.min`, 9],
  ["concurrency", (c) => (api(c).concurrency = 1001), `${S}[0].concurrency`, 1001],
  ["timeout", (c) => (api(c).timeout = "2h"), `${S}[0].timeout`, "2h"],
  ["vpc", (c) => ((api(c).vpc as Workload).egress = "everything"), `${S}[0].vpc.egress`, "everything"],
  ["labels", (c) => (api(c).labels = { Team: "payments" }), `${S}[0].labels.Team`, "payments"],
  ["workload:NAME (unknown)", (c) => (api(c).invokers = ["team", "workload:wbe"]), `${S}[0].invokers[1]`, "workload:wbe"],
  ["workload:NAME (caller of an internal service without all-traffic egress)", (c) => delete web(c).vpc, `${S}[0].invokers[1]`, "workload:web"],
  ["invokers over IAM's 1,500 principals", (c) => (web(c).invokers = Array.from({ length: 1501 }, (_, i) => `user:u${i}@example.com`)), `${S}[1].invokers`, /grants 1501 principals once groups are expanded/],
  ["schedule", (c) => (nightly(c).schedule = "@daily"), `${J}[0].schedule`, "@daily"],
  ["timeZone", (c) => (nightly(c).timeZone = "Mars/Olympus_Mons"), `${J}[0].timeZone`, "Mars/Olympus_Mons"],
  ["schedule on a service", (c) => (web(c).schedule = "0 3 * * *"), `${S}[1].schedule`, "0 3 * * *"],
  ["image", (c) => (report(c).image = "quay.io/acme/report:2.0"), `${J}[1].image`, "quay.io/acme/report:2.0"],
  ["image next to source", (c) => (report(c).source = "./app"), `${J}[1].image`, "asia-east1-docker.pkg.dev/my-gcp-project/apps/report:2.0"],
];

describe("npm start on the every-key stack with one wrong value: exit 2, the path and value on stderr, nothing planned", () => {
  test.each(CASES)("%s", async (_key, change, path, value) => {
    const result = await planInProcess(["--config", everyKeyWith(change), "--no-rehearsal"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    if (value instanceof RegExp) {
      expect(result.stderr).toContain(`${path}: [`);
      expect(result.stderr).toMatch(value);
    } else {
      expect(result.stderr).toContain(`${path}: ${JSON.stringify(value)}`);
    }
  });
});
