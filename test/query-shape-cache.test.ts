import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryShapeCache } from '../src/adapters/db/query-shape-cache';

interface Schema {
  items: { id: string; owner: string; rank: number };
}

describe('compiled query reuse per shape (real SQLite)', () => {
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  afterAll(() => db.destroy());

  it('binds each call\'s values to the SQL compiled for its shape, and never reuses a shape whose values it cannot place', async () => {
    await db.schema.createTable('items').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('owner', 'text').addColumn('rank', 'integer').execute();
    await db.insertInto('items').values([
      { id: 'a', owner: 'ann', rank: 1 }, { id: 'b', owner: 'ann', rank: 2 }, { id: 'c', owner: 'bob', rank: 3 }, { id: 'd', owner: 'bob', rank: 4 },
    ]).execute();
    const bind = createQueryShapeCache<{ id: string }>();
    let builds = 0;
    const byOwner = (owner: string, ids: string[]) =>
      bind(String(ids.length), [owner, ...ids], () => {
        builds++;
        return db.selectFrom('items').select('id').where('owner', '=', owner).where('id', 'in', ids).orderBy('id');
      });
    const run = async (q: ReturnType<typeof byOwner>) => (await db.executeQuery(q)).rows.map((r) => r.id);

    expect(await run(byOwner('ann', ['a', 'c']))).toEqual(['a']);
    expect(await run(byOwner('bob', ['c', 'd']))).toEqual(['c', 'd']); // same shape: reused with new values
    expect(builds).toBe(1);
    expect(await run(byOwner('bob', ['a', 'b', 'c']))).toEqual(['c']); // another list length: a new shape
    expect(builds).toBe(2);

    // Values given in another order than the SQL uses them: correct every time, compiled every time.
    const misordered = (owner: string, ids: string[]) =>
      bind(`misordered-${ids.length}`, [...ids, owner], () => {
        builds++;
        return db.selectFrom('items').select('id').where('owner', '=', owner).where('id', 'in', ids).orderBy('id');
      });
    expect(await run(misordered('ann', ['a', 'b']))).toEqual(['a', 'b']);
    expect(await run(misordered('bob', ['a', 'd']))).toEqual(['d']);
    expect(builds).toBe(4);
  });
});
