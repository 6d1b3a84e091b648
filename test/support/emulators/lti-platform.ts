import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';

/**
 * A local LTI 1.3 platform (an LMS) speaking the IMS wire formats: OIDC authorization endpoint that form-posts the
 * id_token, JWKS with rotation, OAuth2 token endpoint verifying the tool's client assertion, NRPS with
 * `Link: rel="next"` paging, AGS line items and scores with Moodle's rules, Deep Linking return and Dynamic
 * Registration. Course pages embed the tool in an iframe, as an LMS does.
 */
const C = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  dlSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  dlData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  toolConfig: 'https://purl.imsglobal.org/spec/lti-tool-configuration',
};
export const ROLE = {
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  ta: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
};
const SCOPE = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
};

export interface EmulatedUser { id: string; name: string; email?: string; roles: string[]; status?: 'Active' | 'Inactive' }
export interface EmulatedLink { id: string; contextId: string; title: string; custom: Record<string, string>; lineItemId?: string }
export interface Score { userId: string; scoreGiven?: number; scoreMaximum: number; activityProgress: string; gradingProgress: string; timestamp: string }
interface SigningKey { kid: string; privateKey: CryptoKey; publicJwk: JWK }

async function newKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * `frameHost`: a name (mapped to 127.0.0.1 in the browser) under which the browser reaches the platform's pages
 * inside the tool's frame (the launch frame, the authorization endpoint), a site apart from the course page.
 */
export async function startLtiPlatform(opts: { pageSize?: number; frameHost?: string } = {}) {
  const published: SigningKey[] = [await newKey()];
  const state = {
    tool: null as null | { clientId: string; deploymentId: string; loginUrl: string; redirectUri: string; jwksUrl: string; registration?: unknown },
    users: new Map<string, EmulatedUser>(),
    contexts: new Map<string, { id: string; title: string; members: string[] }>(),
    links: new Map<string, EmulatedLink>(),
    lineItems: new Map<string, { id: string; label: string; scores: Score[] }>(),
    accessTokens: new Map<string, string[]>(),
    deepLinks: [] as { title: string; url: string; custom: Record<string, string> }[],
    tokenRequests: 0,
    jwksFetches: 0,
    nrpsPages: 0,
    registrationToken: `reg-${randomUUID()}`,
    scoreRefusals: [] as { status: number; reason: string }[],
  };
  const pageSize = opts.pageSize ?? 100;
  let base = '';
  const frameBase = () => {
    if (!opts.frameHost) return base;
    const u = new URL(base);
    u.hostname = opts.frameHost;
    return u.origin;
  };

  const signingKey = () => published[published.length - 1]!;
  /** Signs an id_token; `key: 'unpublished'` uses a kid the JWKS lacks, `'forged'` a foreign key under the real kid. */
  async function signIdToken(claims: Record<string, unknown>, o: { key?: 'published' | 'unpublished' | 'forged' } = {}) {
    const real = signingKey();
    const k = o.key === 'unpublished' ? await newKey() : o.key === 'forged' ? { ...(await newKey()), kid: real.kid } : real;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' }).sign(k.privateKey);
  }

  /** The claims an LMS sends for a user's launch of a link (or a deep-linking request in a context). */
  function launchClaims(userId: string, target: { linkId: string } | { deepLinkContextId: string }, nonce: string): Record<string, unknown> {
    const tool = state.tool!;
    const user = state.users.get(userId)!;
    const now = Math.floor(Date.now() / 1000);
    const link = 'linkId' in target ? state.links.get(target.linkId)! : null;
    const contextId = link ? link.contextId : (target as { deepLinkContextId: string }).deepLinkContextId;
    const ctx = state.contexts.get(contextId)!;
    const common = {
      iss: base, aud: tool.clientId, sub: user.id, iat: now, exp: now + 300, nonce, name: user.name, ...(user.email && { email: user.email }),
      [C.version]: '1.3.0', [C.deploymentId]: tool.deploymentId, [C.roles]: user.roles,
      [C.context]: { id: ctx.id, title: ctx.title, label: ctx.id },
      [C.nrps]: { context_memberships_url: `${base}/nrps/${ctx.id}`, service_versions: ['2.0'] },
    };
    if (!link) {
      return { ...common, [C.messageType]: 'LtiDeepLinkingRequest', [C.dlSettings]: { deep_link_return_url: `${frameBase()}/deep-link-return/${ctx.id}`, accept_types: ['ltiResourceLink'], accept_multiple: false, data: `ctx:${ctx.id}` } };
    }
    return {
      ...common, [C.messageType]: 'LtiResourceLinkRequest', [C.targetLinkUri]: tool.redirectUri.replace(/\/launch$/, '/launch'),
      [C.resourceLink]: { id: link.id, title: link.title }, [C.custom]: link.custom,
      ...(link.lineItemId && { [C.ags]: { scope: [SCOPE.lineItem, SCOPE.score], lineitems: `${base}/lineitems`, lineitem: `${base}/lineitems/${link.lineItemId}` } }),
    };
  }

  const toolJwks = () => createRemoteJWKSet(new URL(state.tool!.jwksUrl));

  function bearerScopes(req: http.IncomingMessage): string[] | null {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m ? (state.accessTokens.get(m[1]!) ?? null) : null;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers }).end(text);
    };
    const p = url.pathname;
    if (p === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: base, authorization_endpoint: `${frameBase()}/auth`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, registration_endpoint: `${base}/register`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'], id_token_signing_alg_values_supported: ['RS256'], scopes_supported: ['openid', SCOPE.nrps, SCOPE.score, SCOPE.lineItem],
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'emulator', version: '1', messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }] },
      });
    }
    if (p === '/jwks') {
      state.jwksFetches++;
      return send(200, { keys: published.map((k) => k.publicJwk) });
    }
    if (p === '/register' && req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${state.registrationToken}`) return send(401, { error: 'invalid_token' });
      const body = JSON.parse(await readBody(req)) as Record<string, unknown> & { initiate_login_uri: string; redirect_uris: string[]; jwks_uri: string };
      if (!(body.response_types as string[]).includes('id_token') || body.token_endpoint_auth_method !== 'private_key_jwt') return send(400, { error: 'invalid_client_metadata' });
      state.tool = { clientId: `client-${randomUUID().slice(0, 8)}`, deploymentId: 'deployment-1', loginUrl: body.initiate_login_uri, redirectUri: body.redirect_uris[0]!, jwksUrl: body.jwks_uri, registration: body };
      return send(200, { ...body, client_id: state.tool.clientId, [C.toolConfig]: { ...(body[C.toolConfig] as object), deployment_id: state.tool.deploymentId } });
    }
    if (p.startsWith('/course/')) {
      // A course page with the tool in an iframe; the frame starts at the platform's own launch URL.
      const ctx = state.contexts.get(decodeURIComponent(p.slice('/course/'.length)))!;
      const user = url.searchParams.get('user')!;
      const target = url.searchParams.get('link') ?? `deep-link:${ctx.id}`;
      return send(200, `<!doctype html><title>${esc(ctx.title)}</title><h1>${esc(ctx.title)}</h1><iframe id="tool" title="Aula" style="width:1100px;height:800px" allow="autoplay; fullscreen" src="${frameBase()}/launch-frame?user=${encodeURIComponent(user)}&target=${encodeURIComponent(target)}"></iframe>`);
    }
    if (p === '/launch-frame') {
      const tool = state.tool!;
      const login = new URL(tool.loginUrl);
      login.search = new URLSearchParams({ iss: base, login_hint: url.searchParams.get('user')!, target_link_uri: tool.redirectUri, lti_message_hint: url.searchParams.get('target')!, client_id: tool.clientId, lti_deployment_id: tool.deploymentId }).toString();
      res.writeHead(302, { location: login.toString() }).end();
      return;
    }
    if (p === '/auth') {
      const q = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
      const tool = state.tool;
      const bad = !tool ? 'no tool' : q.get('client_id') !== tool.clientId ? 'client_id' : q.get('redirect_uri') !== tool.redirectUri ? 'redirect_uri'
        : q.get('response_type') !== 'id_token' || q.get('response_mode') !== 'form_post' || q.get('scope') !== 'openid' || q.get('prompt') !== 'none' ? 'request parameters'
          : !q.get('nonce') || !q.get('state') || !state.users.has(q.get('login_hint') ?? '') ? 'nonce, state or login_hint' : null;
      if (bad) return send(400, `<p id="auth-error">invalid_request: ${esc(bad)}</p>`);
      const hint = q.get('lti_message_hint')!;
      const target = hint.startsWith('deep-link:') ? { deepLinkContextId: hint.slice('deep-link:'.length) } : { linkId: hint };
      const idToken = await signIdToken(launchClaims(q.get('login_hint')!, target, q.get('nonce')!));
      return send(200, `<!doctype html><form id="post" method="POST" action="${esc(tool!.redirectUri)}"><input type="hidden" name="id_token" value="${esc(idToken)}"><input type="hidden" name="state" value="${esc(q.get('state')!)}"></form><script>document.getElementById('post').submit()</script>`);
    }
    if (p === '/token' && req.method === 'POST') {
      state.tokenRequests++;
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return send(400, { error: 'unsupported_grant_type' });
      try {
        const { payload } = await jwtVerify(form.get('client_assertion') ?? '', toolJwks(), { issuer: state.tool!.clientId, subject: state.tool!.clientId, audience: `${base}/token`, algorithms: ['RS256'] });
        if (!payload.jti) throw new Error('no jti');
      } catch (err) {
        return send(401, { error: 'invalid_client', error_description: err instanceof Error ? err.message : String(err) });
      }
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const token = randomUUID();
      state.accessTokens.set(token, scopes);
      return send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: scopes.join(' ') });
    }
    if (p.startsWith('/nrps/')) {
      if (!bearerScopes(req)?.includes(SCOPE.nrps)) return send(401, { error: 'invalid_token' });
      if (!String(req.headers.accept).includes('application/vnd.ims.lti-nrps.v2.membershipcontainer+json')) return send(406, { error: 'not acceptable' });
      state.nrpsPages++;
      const ctx = state.contexts.get(decodeURIComponent(p.slice('/nrps/'.length)))!;
      const page = Number(url.searchParams.get('page') ?? '0');
      const slice = ctx.members.slice(page * pageSize, (page + 1) * pageSize).map((id) => state.users.get(id)!);
      const headers: Record<string, string> = { 'content-type': 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
      if ((page + 1) * pageSize < ctx.members.length) headers.link = `<${base}/nrps/${encodeURIComponent(ctx.id)}?page=${page + 1}>; rel="next"`;
      return send(200, {
        id: `${base}${url.pathname}${url.search}`, context: { id: ctx.id, title: ctx.title },
        members: slice.map((u) => ({ status: u.status ?? 'Active', name: u.name, ...(u.email && { email: u.email }), user_id: u.id, roles: u.roles })),
      }, headers);
    }
    const scoreMatch = /^\/lineitems\/([^/]+)\/scores$/.exec(p);
    if (scoreMatch && req.method === 'POST') {
      if (!bearerScopes(req)?.includes(SCOPE.score)) return send(401, { error: 'invalid_token' });
      if (req.headers['content-type'] !== 'application/vnd.ims.lis.v1.score+json') return send(415, { error: 'unsupported content type' });
      const item = state.lineItems.get(scoreMatch[1]!);
      if (!item) return send(404, { error: 'no such line item' });
      const score = JSON.parse(await readBody(req)) as Score;
      const last = item.scores.filter((s) => s.userId === score.userId).at(-1);
      // Moodle: a timestamp not after the last one for this user is a conflict.
      if (last && Date.parse(score.timestamp) <= Date.parse(last.timestamp)) {
        state.scoreRefusals.push({ status: 409, reason: 'timestamp not after the previous score' });
        return send(409, { error: 'conflict' });
      }
      // Moodle keeps scoreGiven only for FullyGraded.
      const kept = score.gradingProgress === 'FullyGraded' ? score : { ...score, scoreGiven: undefined };
      item.scores.push(kept);
      return send(200, {});
    }
    const dlMatch = /^\/deep-link-return\/([^/]+)$/.exec(p);
    if (dlMatch && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      try {
        const { payload } = await jwtVerify(form.get('JWT') ?? '', toolJwks(), { issuer: state.tool!.clientId, audience: base, algorithms: ['RS256'] });
        if (payload[C.messageType] !== 'LtiDeepLinkingResponse' || payload[C.version] !== '1.3.0' || payload[C.deploymentId] !== state.tool!.deploymentId || !payload.nonce) throw new Error('bad claims');
        if (payload[C.dlData] !== `ctx:${dlMatch[1]}`) throw new Error('data not echoed');
        const items = payload[C.contentItems] as { type: string; title: string; url: string; custom: Record<string, string> }[];
        for (const item of items) {
          if (item.type !== 'ltiResourceLink') throw new Error(`content item type ${item.type}`);
          state.deepLinks.push(item);
          const id = `link-${state.links.size + 1}`;
          state.links.set(id, { id, contextId: decodeURIComponent(dlMatch[1]!), title: item.title, custom: item.custom });
        }
        return send(200, `<p id="deep-link-done">Added ${esc(items.map((i) => i.title).join(', '))}</p>`);
      } catch (err) {
        return send(400, `<p id="deep-link-error">${esc(err instanceof Error ? err.message : String(err))}</p>`);
      }
    }
    send(404, { error: 'not found' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get issuer() {
      return base;
    },
    state,
    signIdToken,
    launchClaims,
    /** Publishes a new signing key beside the old one. */
    async rotateKey() {
      published.push(await newKey());
    },
    /** The tool, as an admin enters it in the LMS by hand. */
    registerTool(tool: { aulaUrl: string }) {
      state.tool = { clientId: 'aula-client', deploymentId: 'deployment-1', loginUrl: `${tool.aulaUrl}/lti/login`, redirectUri: `${tool.aulaUrl}/lti/launch`, jwksUrl: `${tool.aulaUrl}/.well-known/jwks.json` };
      return state.tool;
    },
    /** What Aula's admin enters for this platform. */
    platformSettings() {
      return { name: 'Emulated LMS', issuer: base, clientId: state.tool!.clientId, authorizationEndpoint: `${frameBase()}/auth`, tokenEndpoint: `${base}/token`, jwksUrl: `${base}/jwks`, deploymentIds: [state.tool!.deploymentId] };
    },
    addUser(u: EmulatedUser) {
      state.users.set(u.id, u);
      return u;
    },
    addContext(id: string, title: string, members: string[] = []) {
      state.contexts.set(id, { id, title, members });
    },
    addLink(link: EmulatedLink) {
      if (link.lineItemId && !state.lineItems.has(link.lineItemId)) state.lineItems.set(link.lineItemId, { id: link.lineItemId, label: link.title, scores: [] });
      state.links.set(link.id, link);
    },
    coursePage: (contextId: string, userId: string, linkId?: string) => `${base}/course/${encodeURIComponent(contextId)}?user=${encodeURIComponent(userId)}${linkId ? `&link=${encodeURIComponent(linkId)}` : ''}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type LtiPlatformEmulator = Awaited<ReturnType<typeof startLtiPlatform>>;
