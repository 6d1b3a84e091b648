import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { bearerFrom } from './auth';
import { errorBody, handleHttpError } from './errors';
import { clientErrorHandler, frameworkErrorHandler } from './framework-errors';
import { assertStorableText } from './text-guard';
import type { HttpMetrics } from './metrics';

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  ZodTypeProvider
>;

export interface HttpAppOptions {
  logger: Logger;
  maxJsonBytes: number;
  publicUrl: string;
  webDistDir: string;
  metrics: HttpMetrics;
  /** Signs the viewer cookie (see viewer-cookie.ts). */
  cookieSecret: Buffer;
  trustProxy: boolean | string[];
  /** CSP frame-ancestors for pages: the LMS sites allowed to embed them (a function when registered platforms extend it). */
  frameAncestors: string | (() => string);
  authenticate(bearer: string): Promise<import('../domain/identity').Principal>;
}

/** Fastify with Aula's conventions: zod schemas, JSON errors, bearer auth, metrics, one log line per request. */
export async function createHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: opts.logger,
    // One log line per request comes from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxJsonBytes,
    trustProxy: opts.trustProxy,
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    // Playback tokens travel as one path segment and are longer than the default limit of 100.
    routerOptions: { maxParamLength: 400 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>() as unknown as HttpApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleHttpError);
  app.setNotFoundHandler((req, reply) => {
    // The path is not repeated back: the client knows it, and an echo is a reflection vector.
    reply.status(404).send(errorBody('not_found', `No ${req.method} route matches this path; see /openapi.json`));
  });

  await app.register(fastifyCookie, { secret: opts.cookieSecret });
  app.decorateRequest('principal', null);
  app.decorateRequest('authError', null);
  app.addHook('onRequest', async (req) => {
    const bearer = bearerFrom(req);
    if (!bearer) return;
    try {
      req.principal = await opts.authenticate(bearer);
    } catch (err) {
      req.authError = err as Error;
    }
  });

  app.addHook('preValidation', async (req) => {
    assertStorableText({ body: req.body, query: req.query, params: req.params });
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', `frame-ancestors ${typeof opts.frameAncestors === 'function' ? opts.frameAncestors() : opts.frameAncestors}`);
      reply.header('referrer-policy', 'same-origin');
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    opts.metrics.observe(req.method, route, reply.statusCode, ms / 1000);
    req.log.info({ reqId: req.id, method: req.method, route, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Aula API', version: '1', description: 'Live classes and their recordings, for any LMS.' },
      servers: [{ url: opts.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (existsSync(opts.webDistDir)) {
    await app.register(fastifyStatic, { root: opts.webDistDir, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  return app;
}
