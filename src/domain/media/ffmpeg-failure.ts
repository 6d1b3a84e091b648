/** Why an ffmpeg or ffprobe run failed: thrown by the process runner, told apart by the services that run it. */

export type FfmpegFailureKind = 'exit' | 'timeout' | 'aborted' | 'spawn';

export class FfmpegFailed extends Error {
  override name = 'FfmpegFailed';
  constructor(
    readonly kind: FfmpegFailureKind,
    readonly binary: string,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    const last = lastLines(stderrTail, 3);
    const why =
      kind === 'timeout'
        ? 'timed out'
        : kind === 'aborted'
          ? 'was cancelled'
          : kind === 'spawn'
            ? 'could not be started'
            : exitSignal
              ? `was killed by ${exitSignal}`
              : `exited with code ${exitCode}`;
    super(`${binary} ${why}${last ? `: ${last}` : ''}`);
  }
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(-n)
    .join(' | ');
}
