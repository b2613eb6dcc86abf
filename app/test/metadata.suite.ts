/**
 * On Cloud Run the project id (needed for the trace field) comes from the
 * metadata server. A local stand-in on 127.0.0.1 plays it via GCE_METADATA_HOST.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { send, startServer, type RunningServer } from "./support/appProcess";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
let metadata: Server;
let metadataHost: string;
const started: RunningServer[] = [];

beforeAll(async () => {
  metadata = createServer((req, res) => {
    if (req.url !== "/computeMetadata/v1/project/project-id" || req.headers["metadata-flavor"] !== "Google") {
      res.writeHead(403, { "Metadata-Flavor": "Google" }).end("missing Metadata-Flavor");
    } else {
      res.writeHead(200, { "Metadata-Flavor": "Google", "Content-Type": "application/text" }).end("meta-project-42");
    }
  });
  await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", resolve));
  metadataHost = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.process.stop()));
  metadata.closeAllConnections();
  await new Promise((resolve) => metadata.close(resolve));
});

test("on Cloud Run without GOOGLE_CLOUD_PROJECT, the project id comes from the metadata server and goes into trace fields", async () => {
  const server = await startServer({ K_SERVICE: "hello", GCE_METADATA_HOST: metadataHost, REQUEST_LOGS: "on" });
  started.push(server);
  expect(await server.process.waitForLog((e) => e.message === "listening")).toMatchObject({ traceProject: "meta-project-42" });
  await send(server.url, { path: "/health/", headers: { "X-Cloud-Trace-Context": `${TRACE_ID}/1;o=1`, "User-Agent": "meta-1" } });
  const line = await server.process.waitForLog((e) => (e.httpRequest as { userAgent?: string } | undefined)?.userAgent === "meta-1");
  expect(line["logging.googleapis.com/trace"]).toBe(`projects/meta-project-42/traces/${TRACE_ID}`);
});

test("GOOGLE_CLOUD_PROJECT wins over the metadata server", async () => {
  const server = await startServer({ K_SERVICE: "hello", GCE_METADATA_HOST: metadataHost, GOOGLE_CLOUD_PROJECT: "from-env", REQUEST_LOGS: "on" });
  started.push(server);
  expect(await server.process.waitForLog((e) => e.message === "listening")).toMatchObject({ traceProject: "from-env" });
});

test("a server that does not answer Metadata-Flavor: Google is not trusted; the logs just lack trace fields", async () => {
  const impostor = createServer((_req, res) => res.end("evil-project"));
  await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
  try {
    const server = await startServer({ K_SERVICE: "hello", GCE_METADATA_HOST: `127.0.0.1:${(impostor.address() as AddressInfo).port}`, REQUEST_LOGS: "on" });
    started.push(server);
    const listening = await server.process.waitForLog((e) => e.message === "listening");
    expect(listening).toMatchObject({ traceProject: null, traceProjectMissing: expect.stringContaining("Metadata-Flavor: Google") });
    await send(server.url, { path: "/health/", headers: { "X-Cloud-Trace-Context": `${TRACE_ID}/1;o=1`, "User-Agent": "meta-2" } });
    const line = await server.process.waitForLog((e) => (e.httpRequest as { userAgent?: string } | undefined)?.userAgent === "meta-2");
    expect(line).not.toHaveProperty(["logging.googleapis.com/trace"]);
  } finally {
    impostor.closeAllConnections();
    await new Promise((resolve) => impostor.close(resolve));
  }
});
