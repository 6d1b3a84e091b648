import type { SqlDialectName } from './index';

/** Column helper: an auto-incrementing integer key on either database. */
export function serialColumn(dialect: SqlDialectName) {
  return dialect === 'postgres' ? ('bigserial' as const) : ('integer' as const);
}
