/**
 * Principal groups that refer to other groups: each group is expanded once
 * however often it is named, nesting has a limit, and a cycle or a too-deep
 * chain is a config problem (the plan's exit 2), never a crash.
 */
import { ConfigError, parseStackConfig } from "../../config";
import type { StackConfig } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { MAX_GROUP_DEPTH } from "../../components/principals";

const base: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };

/** level0 → level1 → … → level<depth-1>, each naming the next `fanOut` times; the last lists one user. */
function chain(depth: number, fanOut: number): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (let level = 0; level < depth - 1; level++) groups[`level${level}`] = [...Array.from({ length: fanOut }, () => `level${level + 1}`), `user:u${level}@example.com`];
  groups[`level${depth - 1}`] = ["user:bottom@example.com"];
  return groups;
}

function stack(principals: Record<string, unknown>, invokers: unknown[]): StackConfig {
  return { ...base, "private-cloud-run:principals": principals, "private-cloud-run:services": [{ name: "hello", source: "./app", invokers }] };
}

function problemsOf(config: StackConfig): { path: string; value?: unknown; message: string }[] {
  try {
    parseStackConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("nested principal groups", () => {
  it(`expands a chain ${MAX_GROUP_DEPTH} deep with 12 references per level (each group once)`, () => {
    const settings = parseStackConfig(stack(chain(MAX_GROUP_DEPTH, 12), ["level0"]));
    expect(settings.services[0].invokers).toEqual([
      "user:bottom@example.com",
      ...Array.from({ length: MAX_GROUP_DEPTH - 1 }, (_, level) => `user:u${level}@example.com`),
    ].sort());
  });

  it("refuses a chain 24 deep with 3 references per level as a config problem naming the chain, not a crash", async () => {
    const config = stack(chain(24, 3), ["level0"]);
    const problems = problemsOf(config);
    const cut = 24 - MAX_GROUP_DEPTH - 1; // the group whose nesting first passes the limit
    expect(problems).toEqual([
      {
        path: `private-cloud-run:principals.level${cut}`,
        value: [`level${cut + 1}`, `level${cut + 1}`, `level${cut + 1}`, `user:u${cut}@example.com`],
        message: expect.stringMatching(
          new RegExp(`^nests groups ${MAX_GROUP_DEPTH + 1} deep \\(level${cut} → level${cut + 1} → … → level23\\); at most ${MAX_GROUP_DEPTH} levels are allowed: list the members of a deeper group directly`),
        ),
      },
      {
        path: "private-cloud-run:services[0].invokers[0]",
        value: "level0",
        message: expect.stringMatching(/^names group "level0", which nests groups 24 deep; at most \d+ levels are allowed/),
      },
    ]);
    // The program refuses it the same way before registering anything: the plan's exit 2.
    await expect(evaluateStack({ stack: "deep", config })).rejects.toBeInstanceOf(ConfigError);
  });

  it("names a cycle once, in order, where it is defined, and a reference to it without repeating it level by level", () => {
    const problems = problemsOf(stack({ a: ["b"], b: ["c"], c: ["user:x@example.com", "a"], outer: ["a"] }, ["outer"]));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'private-cloud-run:principals.a[0]: makes group "a" refer to itself (a → b → c → a); list its members directly',
      'private-cloud-run:principals.b[0]: makes group "b" refer to itself (b → c → a → b); list its members directly',
      'private-cloud-run:principals.c[1]: makes group "c" refer to itself (c → a → b → c); list its members directly',
      'private-cloud-run:principals.outer[0]: names group "a", which cannot be expanded: group "a" refers to itself (a → b → c → a); fix it under private-cloud-run:principals',
      'private-cloud-run:services[0].invokers[0]: names group "outer", which cannot be expanded: group "a" refers to itself (a → b → c → a); fix it under private-cloud-run:principals',
    ]);
  });
});
