/**
 * `npm run bench [-- NAME…]`: runs every bench/<area>.bench.ts (or only the named
 * areas) one after another, each in its own process so one area's warm-up or
 * leftovers cannot skew another's numbers. Each benchmark measures its subject and
 * a baseline side by side in the same run and prints a Markdown table of ratios;
 * this runner only sequences them and reports which failed.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const benchDir = __dirname;

function benchmarkFiles(only: string[]): string[] {
  const all = readdirSync(benchDir)
    .filter((file) => file.endsWith(".bench.ts"))
    .sort();
  if (only.length === 0) return all;
  const unknown = only.filter((name) => !all.includes(`${name}.bench.ts`));
  if (unknown.length > 0) {
    const known = all.map((file) => file.replace(/\.bench\.ts$/, "")).join(", ");
    throw new Error(`unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(", ")}; choose from: ${known}`);
  }
  return only.map((name) => `${name}.bench.ts`);
}

function runOne(file: string): boolean {
  process.stdout.write(`\n## ${file.replace(/\.bench\.ts$/, "")}\n\n`);
  const tsx = path.join(benchDir, "..", "node_modules", ".bin", "tsx");
  const result = spawnSync(tsx, [path.join(benchDir, file)], { stdio: "inherit" });
  return result.status === 0;
}

function main(): void {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const files = benchmarkFiles(positionals);
  process.stdout.write(`# Benchmarks (${new Date().toISOString()}, node ${process.version})\n`);
  const failed = files.filter((file) => !runOne(file));
  if (failed.length > 0) {
    process.stderr.write(`\nbenchmarks failed: ${failed.join(", ")}\n`);
    process.exit(1);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(2);
}
