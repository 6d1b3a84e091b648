/** `%word%` for LIKE, with the pattern characters of the query itself escaped (matched with `escape '\'`). */
export function containsPattern(query: string): string {
  return `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
