import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from './adapters/clock';
import { createCatalogRepository } from './adapters/db/catalog-repository';
import { openDatabase, pingDatabase } from './adapters/db/database';
import { createIdentityRepository } from './adapters/db/identity-repository';
import type { AppConfig } from './config';
import { createHttpApp, type HttpApp } from './http/app';
import { createHttpMetrics } from './http/metrics';
import { registerCatalogRoutes } from './http/routes/catalog';
import { registerIdentityRoutes } from './http/routes/identity';
import { registerSystemRoutes } from './http/routes/system';
import { registerWebRoutes } from './http/routes/web';
import { createCatalogService } from './services/catalog';
import { type DemoWorkspace, seedDemoWorkspace } from './services/demo';
import { createIdentityService } from './services/identity';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AULA_VERSION = '0.1.0';

export interface Aula {
  config: AppConfig;
  http: HttpApp;
  logger: Logger;
  /** Set when this start created the demo workspace. */
  demo: DemoWorkspace | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface AulaOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Wiring: adapters from configuration, each service handed the few it needs. */
export async function createAula(config: AppConfig, options: AulaOptions = {}): Promise<Aula> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'aula' } });
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.database);
  const { db } = database;

  const usersRepo = createIdentityRepository(db);
  const catalogRepo = createCatalogRepository(db);

  const identity = createIdentityService({
    users: usersRepo,
    clock,
    logger,
    adminKey: config.adminKey,
    tokenTtlSeconds: config.tokenTtlSeconds,
    lmsTokenTtlSeconds: config.lmsTokenTtlSeconds,
  });
  const catalog = createCatalogService({ catalog: catalogRepo, users: usersRepo, clock });

  let demo: DemoWorkspace | null = null;
  if (config.demo && (await identity.countUsers()) === 0) {
    demo = await seedDemoWorkspace({ identity, catalog, logger });
  }

  const metrics = createHttpMetrics();
  const webDistDir = path.join(projectRoot, 'web', 'dist');
  const http = await createHttpApp({
    logger,
    maxJsonBytes: config.maxJsonBytes,
    publicUrl: config.publicUrl,
    webDistDir,
    metrics,
    authenticate: (bearer) => identity.authenticate(bearer),
  });
  registerSystemRoutes(http, { ping: () => pingDatabase(db), metrics, version: AULA_VERSION });
  registerIdentityRoutes(http, identity);
  registerCatalogRoutes(http, catalog);
  registerWebRoutes(http, webDistDir);

  let closed = false;
  return {
    config,
    http,
    logger,
    demo,
    async listen() {
      return http.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      await http.close();
      await database.close();
    },
  };
}
