/** LiveKit's failures as Aula tells them apart: the caller decides, by kind, whether to retry or give up. */
export type LiveKitErrorKind = 'unauthorized' | 'not_found' | 'client' | 'server' | 'network';

export class LiveKitApiError extends Error {
  override name = 'LiveKitApiError';
  constructor(
    readonly kind: LiveKitErrorKind,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }

  /** LiveKit's own failures and cut connections are worth another try; refusals are not. */
  get retryable(): boolean {
    return this.kind === 'server' || this.kind === 'network';
  }
}
