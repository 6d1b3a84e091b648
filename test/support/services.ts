import pg from 'pg';

/**
 * PostgreSQL and Redis for the scale-out tests. `.ci/run` starts both and exports these variables; a machine
 * without them skips those tests, and says so.
 */
export const postgresUrl = process.env.AULA_TEST_POSTGRES_URL;
export const redisUrl = process.env.AULA_TEST_REDIS_URL;

/** A new, empty database on the test server, so each test starts clean. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('AULA_TEST_POSTGRES_URL is not set');
  const name = `aula_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
