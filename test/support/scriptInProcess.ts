/**
 * A workflow script (.github/scripts) run in-process through the same runScriptMain
 * the command line uses, with its output captured: shaped like spawnSync's result so
 * a test reads the same either way. Keep one child-process run per script (the
 * workflow's own command line); the other cases here, each saving a Node + tsx start.
 */
import { runScriptMain, type ScriptMain } from "../../.github/scripts/cli";

export interface ScriptResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `main` with `argv`, relative paths read from `cwd`. */
export function runScriptInProcess(main: ScriptMain, argv: string[], cwd = process.cwd()): ScriptResult {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = runScriptMain(main, argv, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text), cwd });
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}
