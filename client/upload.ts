/**
 * A caller's stream body, sent so that invoke() can stop it. When a request is aborted
 * (its deadline, the caller's signal), Node's fetch goes on reading the request body
 * stream to its end, into memory: an endless stream to a server that never reads it
 * would exhaust the process. So fetch gets a stream that invoke() errors when the call
 * fails, which ends fetch's reading and cancels the caller's stream.
 */

/** A stream body fetch sends, and how to stop it. */
export interface StoppableUpload {
  body: ReadableStream<Uint8Array> | NodeJS.ReadableStream;
  /** Errors what fetch reads with `reason` and cancels (or destroys) the caller's stream. */
  stop(reason: unknown): void;
}

/** Wraps `body`, a web ReadableStream or a Node stream (see invoke's stream check). */
export function stoppableUpload(body: ReadableStream<Uint8Array> | NodeJS.ReadableStream): StoppableUpload {
  if (!isWebStream(body)) {
    // fetch iterates a Node stream; destroying it makes that iteration throw.
    const stream = body as NodeJS.ReadableStream & { destroy?(error?: Error): void };
    return { body, stop: (reason) => stream.destroy?.(asError(reason)) };
  }
  const reader = body.getReader();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const wrapped = new ReadableStream<Uint8Array>({
    start: (streamController) => void (controller = streamController),
    pull: async (streamController) => {
      const { done, value } = await reader.read();
      if (done) streamController.close();
      else streamController.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return {
    body: wrapped,
    stop: (reason) => {
      try {
        controller?.error(reason);
      } catch {
        // already closed or errored: nothing more to stop
      }
      reader.cancel(reason).catch(() => undefined);
    },
  };
}

function isWebStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream).getReader === "function";
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
