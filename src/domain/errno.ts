/** The code of a Node.js system error (ENOENT, ENOSPC, EXDEV…), or undefined for any other value. */
export function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
