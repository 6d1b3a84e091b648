/** An LTI platform answered with an error status; `retryAfterSeconds` is its `Retry-After`, when it sent one. */
export class PlatformHttpError extends Error {
  override name = 'PlatformHttpError';
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`${url} answered ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
}
