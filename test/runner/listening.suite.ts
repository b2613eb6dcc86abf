/** Waiting for a child's "listening" line: the port, a child that dies first, one that never says it. */
import { spawn } from "node:child_process";
import { portFromLogLine, waitForListening } from "../../runner/listening";

/** A node child running `script`, stdout and stderr piped. */
function child(script: string) {
  return spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
}

describe("portFromLogLine", () => {
  it("reads the port of the app's JSON listening line only", () => {
    expect(portFromLogLine('{"time":"t","port":40123,"address":"127.0.0.1","severity":"INFO","message":"listening"}')).toBe(40123);
    expect(portFromLogLine('{"severity":"INFO","message":"request"}')).toBeUndefined();
    expect(portFromLogLine("not json")).toBeUndefined();
    expect(portFromLogLine('{"severity":"INFO","message":"request","port":1}')).toBeUndefined();
    expect(portFromLogLine('{"message":"listening","port":"80"}')).toBeUndefined();
    expect(portFromLogLine("listening on 8080")).toBeUndefined();
  });
});

describe("waitForListening", () => {
  it("resolves with the port after other lines, and keeps draining stdout", async () => {
    const proc = child(`
      console.log("starting");
      console.log(JSON.stringify({ severity: "INFO", message: "listening", port: 41234 }));
      for (let i = 0; i < 2000; i++) console.log("x".repeat(100));
      process.exit(0);
    `);
    const exited = new Promise<number | null>((done) => proc.once("exit", done));
    await expect(waitForListening(proc, { timeoutMs: 30_000 })).resolves.toBe(41234);
    // ~200 kB after the line: more than a pipe holds, so the child only exits if stdout is drained.
    await expect(exited).resolves.toBe(0);
  });

  it("rejects with the child's stderr when it exits before listening", async () => {
    const proc = child(`console.error("EADDRINUSE: port taken"); process.exit(3);`);
    await expect(waitForListening(proc, { timeoutMs: 30_000, name: "the app" })).rejects.toThrow(/^the app exited \(code 3\) before listening: EADDRINUSE: port taken$/);
  });

  it("rejects when no listening line comes in time", async () => {
    const proc = child(`console.log("starting"); setInterval(() => {}, 1000);`);
    try {
      await expect(waitForListening(proc, { timeoutMs: 300, name: "bench server" })).rejects.toThrow('bench server printed no "listening" line within 0.3 s');
    } finally {
      proc.kill("SIGKILL");
    }
  });
});
