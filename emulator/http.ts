/**
 * Small node:http helpers shared by the emulator's servers: listen on
 * 127.0.0.1, close for real (open keep-alive sockets included), read bodies
 * with a size bound, and answer JSON/text.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** Request bodies above this are refused: every server here only takes small forms and JSON. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Starts `server` on 127.0.0.1:`port` and returns its base URL and a close function. */
export async function listenLocal(
  server: http.Server,
  port = 0,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive sockets would hold close() open until they time out.
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://127.0.0.1:${actualPort}`, port: actualPort, close };
}

/** Reads the whole request body as UTF-8, refusing bodies above 1 MiB. */
export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body larger than 1 MiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** An error that maps to an HTTP status; its message is safe to show (never holds a token). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Writes a JSON response. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes a text response. */
export function sendText(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The Bearer token of an `Authorization`-style header value, or undefined when it is not a Bearer credential. */
export function bearerToken(headerValue: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(headerValue ?? "");
  return match?.[1];
}

/**
 * Wraps an async handler: an HttpError becomes its status, anything else a
 * 500 whose body says only that the emulator failed (details go to stderr,
 * which never sees request headers).
 */
export function handle(
  onError: (res: http.ServerResponse, error: HttpError) => void,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
): http.RequestListener {
  return (req, res) => {
    handler(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        onError(res, error);
        return;
      }
      console.error(`emulator: internal error on ${req.method} ${req.url?.split("?")[0]}: ${String(error)}`);
      onError(res, new HttpError(500, "internal emulator error"));
    });
  };
}
