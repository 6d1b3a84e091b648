/** What went wrong, as text a log, a recording's history or a page can show: an Error's message, else the value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Why a request failed: fetch and the SDKs built on it throw "fetch failed" and keep the reason (refused,
 * reset, timed out) in `cause`, so that reason is the message when there is one.
 */
export function causeMessage(err: unknown): string {
  return errorMessage(err instanceof Error && err.cause instanceof Error ? err.cause : err);
}
