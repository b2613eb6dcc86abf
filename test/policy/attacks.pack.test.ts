/**
 * Each attack on the stack's surface, driven through the policy pack as the
 * Pulumi engine drives it (its own process, the analyzer's gRPC API on
 * 127.0.0.1; see policyPackProcess.ts): the pack must report each one as a
 * violation naming the resource, at the level the rule declares.
 */
import { ACCEPTED_AUDIENCES, REFUSED_AUDIENCES } from "../support/audiences";
import { service } from "./fixtures";
import { AnalysisResult, EngineResource, PolicyPackProcess } from "./policyPackProcess";

let pack: PolicyPackProcess;

beforeAll(async () => {
  pack = await PolicyPackProcess.start();
}, 90_000);

afterAll(async () => {
  await pack?.stop();
});

/** A resource as the engine sends it: plain JSON inputs, the stack in its URN. */
function engineResource(r: { type: string; name: string; inputs: Record<string, unknown> }, stack = "dev"): EngineResource {
  return { type: r.type, name: r.name, stack, properties: JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown> };
}

const verdicts = (result: AnalysisResult) => result.diagnostics.map((d) => `${d.enforcementLevel} ${d.policy}`);

describe("custom audiences", () => {
  it.each(REFUSED_AUDIENCES)("refuses %j as mandatory, naming the value", async (audience, why) => {
    const result = await pack.analyze(engineResource(service({ customAudiences: [audience] })));
    expect(verdicts(result)).toEqual(["mandatory cloud-run-custom-audiences"]);
    expect(result.diagnostics[0].message).toMatch(why);
    expect(result.diagnostics[0].message).toContain("hello-service");
  });

  it("accepts a custom domain's URL", async () => {
    for (const audience of ACCEPTED_AUDIENCES) expect(verdicts(await pack.analyze(engineResource(service({ customAudiences: [audience] }))))).toEqual([]);
  });
});

describe("image build contexts", () => {
  const image = (location: string) => ({ type: "docker-build:index:Image", name: "app-image", inputs: { context: { location }, push: true } });

  it.each([["/etc"], ["../../etc"], ["."]])("refuses context %j as mandatory, naming the resource", async (location) => {
    const result = await pack.analyze(engineResource(image(location)));
    expect(verdicts(result)).toEqual(["mandatory image-build-context-inside-project"]);
    expect(result.diagnostics[0].message).toContain("app-image");
  });

  it("accepts a directory of the project", async () => {
    expect(verdicts(await pack.analyze(engineResource(image("app"))))).toEqual([]);
  });
});
