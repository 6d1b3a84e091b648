import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider, type SqlDialectName } from './migrations';
import type { Database } from './schema';
import { errorMessage } from '../../domain/error-text';

export type Db = Kysely<Database>;

export interface OpenDatabase {
  db: Db;
  dialect: SqlDialectName;
  close(): Promise<void>;
}

/** Which database to open: a SQLite file, or a PostgreSQL server by its connection URL. */
export type DatabaseOptions = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Told of an idle PostgreSQL connection that broke (the server restarted or ended it); the pool replaces it. */
export type IdleConnectionError = (err: Error) => void;

export async function openDatabase(options: DatabaseOptions, onIdleError: IdleConnectionError = () => undefined): Promise<OpenDatabase> {
  let db: Db;
  if (options.kind === 'sqlite') {
    const sqlite = new SQLite(options.file);
    // WAL lets readers proceed while a writer commits; busy_timeout covers brief lock waits between processes.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  } else {
    // int8 and numeric come back as strings by default; Aula's sizes fit in a double.
    pg.types.setTypeParser(20, (v) => Number(v));
    pg.types.setTypeParser(1700, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    // Without a listener a broken idle connection would be an uncaught 'error' and take the process down.
    pool.on('error', onIdleError);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const dialect: SqlDialectName = options.kind;
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${errorMessage(error)}`);
  }
  return { db, dialect, close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; preparing is a large share of a small query's cost on SQLite, so statements
 * are kept by their SQL text (queries are built with parameters, so the set of texts is small and bounded).
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (!statement) {
        statement = sqlite.prepare(sqlText);
        if (cache.size >= 2000) cache.clear();
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
