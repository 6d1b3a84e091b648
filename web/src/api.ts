import { frameToken, safeStorage } from './storage';

/** A small client for Aula's JSON API; the token lives in localStorage (or comes from an LMS via ?token=). */
const TOKEN_KEY = 'aula.token';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function getToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    setToken(fromUrl);
    // The token leaves the address bar (and history); other parameters, such as a recording to open, stay.
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return safeStorage.get(TOKEN_KEY) ?? (frameToken.available() ? frameToken.get() : null);
}

export function setToken(token: string | null): void {
  safeStorage.set(TOKEN_KEY, token);
  if (frameToken.available() || token === null) frameToken.set(token);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? res.statusText);
  return data as T;
}

export interface Me { kind: 'user' | 'api-key'; id?: string; name?: string; email?: string; role: 'admin' | 'instructor' | 'student' }

/** Sends a file as the raw request body, reporting progress (fetch cannot report upload progress). */
export function uploadFile<T>(path: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'cancelled', 'The upload was cancelled')));
    xhr.open('POST', path);
    const token = getToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', file.type && /^(video|audio)\//.test(file.type) ? file.type : 'application/octet-stream');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      type Body = { error?: { code: string; message: string } } | null;
      let data: Body = null;
      try {
        data = JSON.parse(xhr.responseText) as Body;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(new ApiError(xhr.status, data?.error?.code ?? 'error', data?.error?.message ?? `Upload failed (${xhr.status})`));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'The upload was interrupted; check the connection and try again')));
    xhr.send(file);
  });
}

/** Downloads need the bearer token, which a plain link cannot send: fetch, then save the blob. */
export async function downloadWithToken(path: string, fallbackName: string): Promise<void> {
  const token = getToken();
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `Download failed (${res.status})`);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
