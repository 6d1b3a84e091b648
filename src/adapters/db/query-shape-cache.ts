import { type CompiledQuery, createQueryId } from 'kysely';

/**
 * Kysely builds and compiles a query on every call, which costs more than running a small indexed query. A query
 * whose SQL text depends only on its shape (which filters are present, how many values a list holds) is compiled
 * once per shape; later calls bind their own values to that text. The caller gives the values in the order the
 * SQL uses them. The first compile of a shape compares them, position by position, with the values Kysely placed;
 * a shape where they differ is not cached and each of its calls compiles as usual.
 */
export function createQueryShapeCache<Row>(maxShapes = 100) {
  const byShape = new Map<string, CompiledQuery<Row>>();
  return function bind(shape: string, parameters: readonly unknown[], build: () => { compile(): CompiledQuery<Row> }): CompiledQuery<Row> {
    const cached = byShape.get(shape);
    if (cached) return { query: cached.query, sql: cached.sql, parameters, queryId: createQueryId() };
    const compiled = build().compile();
    if (sameValues(compiled.parameters, parameters)) {
      if (byShape.size >= maxShapes) byShape.clear();
      byShape.set(shape, compiled);
    }
    return compiled;
  };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
