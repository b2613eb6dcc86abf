/**
 * Entry point of the Cloud Run service (`node dist/server.js`, the image's CMD).
 * Listens on $HOST:$PORT (0.0.0.0:8080 by default), logs JSON lines, and on
 * SIGTERM stops accepting, lets in-flight requests finish and exits 0 well
 * inside Cloud Run's 10 s (exit 1 if it had to cut requests off).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createRequestHandler } from "./app";
import { ConfigError, serverSettings, type ServerSettings } from "./env";
import { metadataHost, metadataIdTokens } from "./idTokens";
import { createLogger, flushStdout, survivesClosedStdout, type Logger } from "./log";
import { lookupProjectId } from "./project";
import { appVersion } from "./version";

/** Mutable state shared by the handler and the shutdown path. */
interface ServerState {
  shuttingDown: boolean;
  inFlight: number;
  projectId?: string;
}

async function main(): Promise<void> {
  survivesClosedStdout();
  const log = createLogger();
  let settings: ServerSettings;
  try {
    settings = serverSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log("CRITICAL", error.message);
    await exit(1);
    return;
  }
  const state: ServerState = { shuttingDown: false, inFlight: 0 };
  const handle = createRequestHandler({
    service: process.env.K_SERVICE ?? null,
    revision: process.env.K_REVISION ?? null,
    version: appVersion(),
    log,
    projectId: () => state.projectId,
    shuttingDown: () => state.shuttingDown,
    requestLogs: settings.requestLogs,
    callee: settings.callee && { settings: settings.callee, tokens: metadataIdTokens(metadataHost(process.env)) },
    appToken: settings.appToken,
    onClosed: () => {
      state.inFlight -= 1;
      // A connection that just served its last request may now be idle: let close() finish.
      if (state.shuttingDown) server.closeIdleConnections();
    },
  });
  const server = createServer((req, res) => {
    state.inFlight += 1;
    handle(req, res);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, log));
  process.once("SIGTERM", () => shutdown(server, state, settings.shutdownGraceMs, log, "SIGTERM"));
  process.once("SIGINT", () => shutdown(server, state, settings.shutdownGraceMs, log, "SIGINT"));

  // Listening and the project-id lookup run side by side so start-up is not
  // delayed; the "listening" line comes once both are done.
  const [lookup] = await Promise.all([lookupProjectId(), listen(server, settings)]);
  state.projectId = lookup.projectId;
  const { port, address } = server.address() as AddressInfo;
  log("INFO", "listening", {
    port,
    address,
    service: process.env.K_SERVICE ?? null,
    revision: process.env.K_REVISION ?? null,
    version: appVersion(),
    traceProject: lookup.projectId ?? null,
    // Where /call goes (a URL, not a secret); APP_TOKEN only as set or not.
    callee: settings.callee?.origin ?? null,
    appToken: settings.appToken === undefined ? "unset" : "set",
    ...(lookup.reason ? { traceProjectMissing: lookup.reason } : {}),
  });
}

function listen(server: Server, settings: ServerSettings): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Stops accepting, waits for in-flight requests (bounded by graceMs), then exits. */
function shutdown(server: Server, state: ServerState, graceMs: number, log: Logger, signal: string): void {
  if (state.shuttingDown) return;
  state.shuttingDown = true;
  const deadline = setTimeout(() => {
    log("ERROR", "shutdown grace expired: closing connections with requests still in flight", { inFlight: state.inFlight, graceMs });
    server.closeAllConnections();
    void exit(1);
  }, graceMs);
  server.close(() => {
    clearTimeout(deadline);
    log("INFO", "shutdown complete", { signal });
    void exit(0);
  });
  server.closeIdleConnections();
  // Logged after close(): once this line is out, the listening socket is closed.
  log("INFO", "shutting down: no new connections, finishing in-flight requests", { signal, inFlight: state.inFlight, graceMs });
}

/** Answers malformed requests (bad header, oversized headers) with JSON too. Never logs the raw bytes: they may hold an Authorization header. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, log: Logger): void {
  // The peer reset or hung up mid-request (HPE_INVALID_EOF_STATE): nothing was malformed and
  // nobody is left to answer. A request already dispatched gets its "client went away" line.
  if (error.code === "ECONNRESET" || error.code === "HPE_INVALID_EOF_STATE" || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(
    tooLarge
      ? { error: "headers_too_large", message: "request headers are too large" }
      : { error: "bad_request", message: "the request could not be parsed as HTTP/1.1" },
  );
  log("WARNING", `malformed request answered ${status}`, { errorCode: error.code ?? "unknown" });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function exit(code: number): Promise<never> {
  await flushStdout();
  process.exit(code);
}

main().catch(async (error: unknown) => {
  createLogger()("CRITICAL", "server failed to start", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
  await exit(1);
});
