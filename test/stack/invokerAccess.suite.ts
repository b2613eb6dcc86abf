/**
 * InvokerAccess used directly (not through the config): it refuses what the
 * config would refuse, before registering anything, and grants canonical members.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { InvokerAccess } from "../../components/invokerAccess";
import { createMocks } from "../../offline/mocks";

const registered: string[] = [];

beforeAll(async () => {
  const mocks = createMocks({ rootDir: path.resolve(__dirname, "../.."), project: "my-gcp-project", region: "asia-east1", stack: "direct" });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args.name);
        return mocks.newResource(args);
      },
      call: (args) => mocks.call(args),
    },
    "private-cloud-run",
    "direct",
    false,
  );
});

let serviceCount = 0;
const service = () => new cloudrunv2.Service(`svc-${++serviceCount}`, { location: "asia-east1", template: { containers: [{ image: "x@sha256:0" }] } });

/** Lets Pulumi's queued registrations reach the mocks. */
async function settle(): Promise<void> {
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs(); // eslint-disable-line @typescript-eslint/no-require-imports
}

test.each([
  [["allUsers"], /"allUsers" would make the workload public/],
  [["user:a@example.com", "group:allAuthenticatedUsers"], /would make the workload public/],
  [["team"], /"team" is a group name; expand groups/],
  [["user:alice"], /malformed email/],
  [["workload:web"], /"workload:web" names a workload; resolve it to that workload's runtime account/],
  [[], /no invokers; list at least one principal/],
])("refuses %j before registering the component or any IAM resource", async (members, message) => {
  const workload = service();
  expect(() => new InvokerAccess("direct", { kind: "service", workload, members })).toThrow(message);
  await settle();
  // The workload created just before did reach the mocks, so an IAM registration would have too.
  expect(registered).toContain(`svc-${serviceCount}`);
  expect(registered.filter((name) => name.startsWith("direct"))).toEqual([]);
});

test("grants lower-cased, deduplicated, sorted members, and says so", async () => {
  const access = new InvokerAccess("canon", { kind: "service", workload: service(), members: ["user:Bob@Example.com", "user:alice@example.com", "user:bob@example.com"], mode: "additive" });
  expect(access.members).toEqual(["user:alice@example.com", "user:bob@example.com"]);
  const granted = await Promise.all(access.resources.map((r) => new Promise((resolve) => (r as cloudrunv2.ServiceIamMember).member.apply(resolve))));
  expect(granted).toEqual(["user:alice@example.com", "user:bob@example.com"]);
  await settle();
  expect(registered.filter((name) => name.startsWith("canon"))).toHaveLength(3); // the component + one Member per principal
});
