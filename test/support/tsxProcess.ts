/**
 * Node arguments that run a TypeScript file in ONE process, from any working
 * directory: `node --require <tsx's CommonJS hook> FILE`. The `tsx` binary (and `npx tsx`)
 * starts a second Node process under the first, and `--import tsx` also starts tsx's
 * ES-module hooks on a thread of their own (~0.3 CPU-s a start); this repository's
 * TypeScript is CommonJS, which the CommonJS hook alone compiles. A child process in
 * a test costs Node, tsx and every import again, so prefer in-process calls where a
 * process adds nothing (test/support/cliInProcess.ts).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const REPO_ROOT = join(__dirname, "..", "..");

/** tsx's CommonJS hook, as an absolute path (a bare "tsx/cjs" resolves from the child's cwd). */
export const TSX_CJS_HOOK = require.resolve("tsx/cjs", { paths: [REPO_ROOT] });

/** tsx's whole loader (`node --import tsx`), for a child that must also `--import` TypeScript itself. */
export const TSX_LOADER = pathToFileURL(require.resolve("tsx", { paths: [REPO_ROOT] })).href;

/** `[...TSX_NODE_ARGS, file, ...args]` for spawn(process.execPath, …). */
export const TSX_NODE_ARGS = ["--require", TSX_CJS_HOOK];
