/**
 * Node arguments that run a TypeScript file in ONE process, from any working
 * directory: `node --import <tsx's loader> FILE`. The `tsx` binary (and `npx tsx`)
 * starts a second Node process under the first; a child process in a test costs
 * Node, tsx and every import again, so prefer in-process calls where a process
 * adds nothing (test/support/*InProcess.ts).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const REPO_ROOT = join(__dirname, "..", "..");

/** The loader `--import tsx` resolves to, as an absolute URL (a bare "tsx" resolves from the child's cwd). */
export const TSX_LOADER = pathToFileURL(require.resolve("tsx", { paths: [REPO_ROOT] })).href;

/** `[...TSX_NODE_ARGS, file, ...args]` for spawn(process.execPath, …). */
export const TSX_NODE_ARGS = ["--import", TSX_LOADER];
