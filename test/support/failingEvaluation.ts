/**
 * Run as a child process by test/stack/evaluator.suite.ts (outside jest, whose
 * own unhandled-rejection tracking would otherwise claim Pulumi's internal
 * rejections): for each resource type given as an argument, evaluates the dev stack
 * with that type's registration failing, then the plain dev stack; prints the
 * results as one JSON line.
 */
// First, as plan/plan.ts does: what Pulumi loads but mocks never use loads on first use;
// Pulumi's promise-debugging stacks skip source maps.
import "../../offline/deferredModules";
import "../../offline/plainPromiseStacks";
import { evaluateStack } from "../../offline/evaluate";
import { loadStackConfig } from "../../config/stackFile";

async function main(): Promise<void> {
  const dev = loadStackConfig("dev");
  const results: { failingType: string; rejection: string | null; nextResources: number }[] = [];
  for (const failingType of process.argv.slice(2)) {
    let rejection: string | null = null;
    try {
      await evaluateStack({
        ...dev,
        wrapMocks: (mocks) => ({
          ...mocks,
          newResource: (args) => {
            if (args.type === failingType) throw new Error(`simulated provider failure on ${failingType}`);
            return mocks.newResource(args);
          },
        }),
      });
    } catch (error) {
      rejection = error instanceof Error ? error.message : String(error);
    }
    results.push({ failingType, rejection, nextResources: (await evaluateStack(dev)).resources.length });
  }
  console.log(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
