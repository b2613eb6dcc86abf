import { DEFAULT_STACK, parsePlanArgs, UsageError } from "../../plan/args";

describe("parsePlanArgs", () => {
  it.each([
    [[], { target: DEFAULT_STACK, json: false, rehearsal: true }],
    [["--stack", "prod"], { target: "prod", json: false, rehearsal: true }],
    [["-s", "prod"], { target: "prod", rehearsal: true }],
    [["--config", "path/Pulumi.x.yaml"], { target: "path/Pulumi.x.yaml", rehearsal: true }],
    [["--no-rehearsal"], { target: DEFAULT_STACK, rehearsal: false }],
    [["--json"], { json: true, rehearsal: false }],
    [["--diff", "prod"], { diff: "prod", rehearsal: false }],
    [["--graph", "mermaid"], { graph: "mermaid", rehearsal: false }],
    [["--json", "--diff", "Pulumi.prod.yaml"], { json: true, diff: "Pulumi.prod.yaml" }],
    [["-h"], { help: true }],
  ])("%j → %j", (argv, expected) => {
    expect(parsePlanArgs(argv as string[])).toMatchObject(expected);
  });

  it.each([
    [["--stack", "dev", "--config", "x.yaml"], /--stack "dev" and --config "x.yaml" both given/],
    [["--graph", "dot"], /--graph "dot" is not supported: use --graph mermaid/],
    [["--json", "--graph", "mermaid"], /pass only one of them/],
    [["--jsn"], /Unknown option '--jsn'/],
    [["prod"], /unexpected argument "prod": pass a stack with --stack NAME.*npm start -- --stack prod/],
    [["--stack", " "], /--stack " " is empty/],
    [["--config", ""], /--config "" is empty/],
    [["--graph", "mermaid", "--diff", "prod"], /--graph and --diff both given: .*pass only one of them/],
    [["--diff"], /argument missing|requires a value|--diff/],
  ])("%j is refused with a message naming the fix", (argv, message) => {
    expect(() => parsePlanArgs(argv as string[])).toThrow(UsageError);
    expect(() => parsePlanArgs(argv as string[])).toThrow(message);
  });
});
