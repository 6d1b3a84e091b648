import { z } from 'zod';
import { LtiRefusal } from '../../domain/lti/refusal';
import type { LtiDeepLinking } from '../../services/lti/deep-linking';
import type { LtiLaunchService } from '../../services/lti/launch';
import type { LtiRegistration } from '../../services/lti/registration';
import type { ToolKeys } from '../../services/lti/tool-keys';
import { toolRegistrationRequest } from '../../domain/lti/messages';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { escapeHtml, ltiPage, sendLtiError, wantsJson } from '../lti-pages';

const Param = z.string().min(1).max(4096);
const LoginParams = z.object({
  iss: z.url().max(1000),
  login_hint: Param,
  target_link_uri: z.url().max(2000),
  lti_message_hint: Param.optional(),
  client_id: z.string().min(1).max(255).optional(),
  lti_deployment_id: z.string().min(1).max(255).optional(),
});
const LaunchForm = z.object({ id_token: z.string().min(1).max(64_000), state: z.string().min(1).max(200) });
const SessionBody = z.strictObject({ state: z.string().min(1).max(200), binding: z.string().min(1).max(200).nullable().optional() });

/**
 * The binding secret also travels as a partitioned cookie (CHIPS), which browsers keep for an iframe even where
 * they block third-party cookies and storage; the page's own storage is the other carrier.
 */
const bindingCookie = (state: string) => `aula_lti_${state.slice(0, 16)}`;
const BINDING_COOKIE_OPTIONS = { path: '/lti', httpOnly: true, secure: true, sameSite: 'none', partitioned: true } as const;
const StateParam = z.object({ state: z.string().min(1).max(200) });

function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new LtiRefusal('lti_bad_request', `Invalid ${what}${issue?.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
}

/** The browser keeps the login's binding secret in its own per-frame storage: no cookie is needed inside an LMS iframe. */
const LOGIN_SCRIPT = `const d=document.getElementById('lti-login').dataset;try{sessionStorage.setItem('aula.lti.'+d.state,d.binding)}catch(e){}location.replace(d.authorizationUrl);`;

const LAUNCH_SCRIPT = `(async()=>{const el=document.getElementById('lti-launch');const state=el.dataset.state;let binding=null;try{binding=sessionStorage.getItem('aula.lti.'+state)}catch(e){}
const fail=(m,c)=>{el.className='error';el.textContent=m;if(c)el.dataset.errorCode=c};
const r=await fetch('/lti/session',{method:'POST',headers:{'content-type':'application/json',accept:'application/json'},body:JSON.stringify({state,binding})});
const b=await r.json().catch(()=>null);if(!r.ok)return fail((b&&b.error&&b.error.message)||'Sign-in failed',b&&b.error&&b.error.code);
try{sessionStorage.removeItem('aula.lti.'+state)}catch(e){}
const u=new URL(b.redirectTo,location.origin);u.searchParams.set('token',b.token);location.replace(u.toString())})();`;

const PICKER_SCRIPT = `(async()=>{const root=document.getElementById('picker');const state=root.dataset.state;const url=new URL(location.href);
let token=url.searchParams.get('token');if(token){try{localStorage.setItem('aula.token',token)}catch(e){}url.searchParams.delete('token');history.replaceState(null,'',url.pathname+url.search)}else{try{token=localStorage.getItem('aula.token')}catch(e){}}
if(!token&&window.name.startsWith('aula.token:'))token=window.name.slice(11);
const api=async(m,p,body)=>{const r=await fetch(p,{method:m,headers:{authorization:'Bearer '+token,accept:'application/json',...(body?{'content-type':'application/json'}:{})},body:body?JSON.stringify(body):undefined});const b=await r.json().catch(()=>null);if(!r.ok)throw new Error((b&&b.error&&b.error.message)||r.statusText);return b};
const h=(t,a,...c)=>{const e=document.createElement(t);for(const[k,v]of Object.entries(a||{}))e.setAttribute(k,v);e.append(...c);return e};
const choose=async(pick)=>{root.querySelectorAll('button').forEach(b=>b.disabled=true);try{const res=await api('POST','/api/v1/lti/deep-link/'+encodeURIComponent(state)+'/response',pick);
const f=h('form',{method:'POST',action:res.returnUrl});f.append(h('input',{type:'hidden',name:'JWT',value:res.jwt}));document.body.append(f);if(window.name.startsWith('aula.token:'))window.name='';f.submit()}catch(e){root.append(h('p',{class:'error'},e.message))}};
try{const o=await api('GET','/api/v1/lti/deep-link/'+encodeURIComponent(state));root.textContent='';if(!o.courses.length)root.append(h('p',{class:'muted'},'No courses yet.'));
for(const c of o.courses){root.append(h('h2',{},c.title));const ul=h('ul',{});for(const l of c.lessons){const b=h('button',{type:'button',class:'pick-lesson','data-lesson-id':l.id},'Add lesson: '+l.title);b.onclick=()=>choose({lessonId:l.id});
const li=h('li',{},b);if(l.recordings.length){const r=h('ul',{});for(const rec of l.recordings){const rb=h('button',{type:'button',class:'pick-recording','data-recording-id':rec.id},'Add recording: '+rec.title);rb.onclick=()=>choose({recordingId:rec.id});r.append(h('li',{},rb))}li.append(r)}ul.append(li)}root.append(ul)}}catch(e){root.textContent='';root.append(h('p',{class:'error'},e.message))}})();`;

/** LTI 1.3 endpoints the platform and the browser reach: keys, login, launch, session, deep linking, registration. */
export function registerLtiRoutes(app: HttpApp, deps: { launch: LtiLaunchService; registration: LtiRegistration; deepLinking: LtiDeepLinking; keys: ToolKeys; publicUrl: string }) {
  app.get('/.well-known/jwks.json', { schema: { tags: ['lti'], summary: "Aula's public keys (RS256), including a retired key during rotation overlap", security: [] } }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.keys.jwks();
  });

  app.get('/lti/config.json', { schema: { tags: ['lti'], summary: 'Tool configuration: login, launch, keys and messages, for registering Aula by hand', security: [] } }, async () =>
    toolRegistrationRequest(deps.publicUrl, 'Aula', ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']));

  app.register(async (scope) => {
    // Platforms form-post the login initiation and the id_token; parsed here only, not across the API.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 128 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    const login = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, raw: unknown) => {
      try {
        const result = await deps.launch.initiateLogin(parseOrRefuse(LoginParams, raw, 'login initiation parameter'));
        reply.header('cache-control', 'no-store');
        reply.setCookie(bindingCookie(result.state), result.binding, { ...BINDING_COOKIE_OPTIONS, maxAge: 600 });
        if (wantsJson(req)) return reply.send(result);
        return reply.type('text/html; charset=utf-8').send(ltiPage('Signing in', `<p id="lti-login" data-authorization-url="${escapeHtml(result.authorizationUrl)}" data-state="${escapeHtml(result.state)}" data-binding="${escapeHtml(result.binding)}">Signing you in… <a href="${escapeHtml(result.authorizationUrl)}">Continue</a></p>`, LOGIN_SCRIPT));
      } catch (err) {
        return sendLtiError(req, reply, err);
      }
    };
    scope.get('/lti/login', { schema: { tags: ['lti'], summary: 'OIDC login initiation (third-party initiated login)', security: [] } }, (req, reply) => login(req, reply, req.query));
    scope.post('/lti/login', { schema: { tags: ['lti'], summary: 'OIDC login initiation, form post', security: [] } }, (req, reply) => login(req, reply, req.body));

    scope.post('/lti/launch', { schema: { tags: ['lti'], summary: 'The platform posts the id_token here (redirect_uri)', security: [] } }, async (req, reply) => {
      try {
        const form = parseOrRefuse(LaunchForm, req.body, 'launch form field');
        const verified = await deps.launch.verifyLaunch({ idToken: form.id_token, state: form.state });
        reply.header('cache-control', 'no-store');
        if (wantsJson(req)) return reply.send(verified);
        return reply.type('text/html; charset=utf-8').send(ltiPage('Signing in', `<p id="lti-launch" data-state="${escapeHtml(verified.state)}">Signing you in…</p>`, LAUNCH_SCRIPT));
      } catch (err) {
        return sendLtiError(req, reply, err);
      }
    });
  });

  app.post('/lti/session', { schema: { tags: ['lti'], summary: 'The browser that started a verified launch receives its Aula token', security: [] } }, async (req, reply) => {
    try {
      const body = parseOrRefuse(SessionBody, req.body, 'session request');
      const binding = body.binding ?? req.cookies[bindingCookie(body.state)] ?? '';
      reply.header('cache-control', 'no-store');
      const session = await deps.launch.claimSession({ state: body.state, binding });
      reply.clearCookie(bindingCookie(body.state), BINDING_COOKIE_OPTIONS);
      return reply.send(session);
    } catch (err) {
      return sendLtiError(req, reply, err);
    }
  });

  app.get('/lti/deep-link/:state', { schema: { hide: true, params: StateParam } }, async (req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(ltiPage('Add from Aula', `<h1>Add from Aula</h1><p class="muted">Pick a lesson (its page lists every recording) or a single recording.</p><div id="picker" data-state="${escapeHtml(req.params.state)}">Loading…</div>`, PICKER_SCRIPT)));

  app.get('/api/v1/lti/deep-link/:state', { schema: { tags: ['lti'], summary: 'Lessons and recordings the deep-linking instructor may place', params: StateParam } }, async (req) =>
    deps.deepLinking.options(req.params.state, principalOf(req)));

  app.post(
    '/api/v1/lti/deep-link/:state/response',
    { schema: { tags: ['lti'], summary: 'A signed LtiDeepLinkingResponse for the picked lesson or recording', params: StateParam, body: z.strictObject({ lessonId: z.string().min(1).max(100).optional(), recordingId: z.string().min(1).max(100).optional() }) } },
    async (req) => deps.deepLinking.respond(req.params.state, principalOf(req), req.body),
  );

  app.get(
    '/lti/register',
    { schema: { tags: ['lti'], summary: 'LTI Dynamic Registration: the LMS opens this URL with openid_configuration and registration_token', security: [] } },
    async (req, reply) => {
      try {
        const q = parseOrRefuse(z.object({ link: z.string().min(1).max(200), openid_configuration: z.url().max(2000), registration_token: z.string().max(4096).optional() }), req.query, 'registration parameter');
        const platform = await deps.registration.registerDynamically({ linkToken: q.link, openidConfigurationUrl: q.openid_configuration, registrationToken: q.registration_token ?? null });
        if (wantsJson(req)) return reply.status(201).send(platform);
        return reply.type('text/html; charset=utf-8').send(ltiPage('Registered', `<h1>Aula is registered</h1><p id="lti-registered" data-platform-id="${escapeHtml(platform.id)}">Aula is now a tool of ${escapeHtml(platform.issuer)} (client id <code>${escapeHtml(platform.clientId)}</code>). You can close this window.</p>`,
          `(window.opener||window.parent).postMessage({subject:'org.imsglobal.lti.close'},'*');`));
      } catch (err) {
        return sendLtiError(req, reply, err);
      }
    },
  );
}
