/** A short, secret-free description of a fetch failure (e.g. ENOTFOUND, TimeoutError): the cause's code, else the error's name. */
export function fetchFailureCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  return (error as Error)?.name ?? "unknown error";
}
