import type { TestAula } from './aula';
import type { LtiPlatformEmulator } from './emulators/lti-platform';

type ErrorBody = { error: { code: string; message: string } };

/** A launch over plain HTTP, as a browser would make it: login initiation → platform → form post → session. */
export async function launchOverHttp(
  t: TestAula,
  emu: LtiPlatformEmulator,
  userId: string,
  target: { linkId: string } | { deepLinkContextId: string },
  tamper?: { claims?: (c: Record<string, unknown>) => void; key?: 'unpublished' | 'forged'; state?: string },
) {
  const tool = emu.state.tool!;
  const hint = 'linkId' in target ? target.linkId : `deep-link:${target.deepLinkContextId}`;
  const q = new URLSearchParams({ iss: emu.issuer, login_hint: userId, target_link_uri: `${t.aula.config.publicUrl}/lti/launch`, lti_message_hint: hint, client_id: tool.clientId, lti_deployment_id: tool.deploymentId });
  const login = await fetch(`${t.url}/lti/login?${q}`, { headers: { accept: 'application/json' } });
  if (login.status !== 200) throw new Error(`login initiation → ${login.status} ${await login.text()}`);
  const { authorizationUrl, state, binding } = (await login.json()) as { authorizationUrl: string; state: string; binding: string };
  let idToken: string;
  let postedState = state;
  if (tamper) {
    const claims = emu.launchClaims(userId, target, new URL(authorizationUrl).searchParams.get('nonce')!);
    tamper.claims?.(claims);
    idToken = await emu.signIdToken(claims, tamper.key ? { key: tamper.key } : {});
    if (tamper.state) postedState = tamper.state;
  } else {
    const page = await (await fetch(authorizationUrl)).text();
    idToken = /name="id_token" value="([^"]+)"/.exec(page)?.[1] ?? '';
    postedState = /name="state" value="([^"]+)"/.exec(page)?.[1] ?? '';
  }
  const form = new URLSearchParams({ id_token: idToken, state: postedState });
  const post = () => fetch(`${t.url}/lti/launch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
  const launched = await post();
  const launchBody = (await launched.json()) as { state: string; kind: string } & ErrorBody;
  return {
    status: launched.status,
    body: launchBody,
    state,
    binding,
    /** Posts the very same form again (a replay). */
    replay: async () => {
      const r = await post();
      return { status: r.status, body: (await r.json()) as ErrorBody };
    },
    /** Step 3: exchanges the browser's binding secret for the Aula session. */
    session: async (withBinding = binding) => {
      const r = await fetch(`${t.url}/lti/session`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ state, binding: withBinding }) });
      return { status: r.status, body: (await r.json()) as { token: string; redirectTo: string; userId: string } & ErrorBody };
    },
  };
}

/** Waits for a condition the system reaches by itself (a job), polling with a deadline. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe of a page that is navigating meanwhile throws; that is "not yet".
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
