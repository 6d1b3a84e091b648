/**
 * localStorage when the browser allows it. Inside an LMS iframe with third-party storage blocked, reading it throws:
 * then values live in memory for this page, and the sign-in token also rides in `window.name`, which survives
 * Aula's own page loads in the same frame.
 */
const memory = new Map<string, string>();
const NAME_PREFIX = 'aula.token:';

function local(): Storage | null {
  try {
    const s = window.localStorage;
    s.getItem('aula.probe');
    return s;
  } catch {
    return null;
  }
}

export const safeStorage = {
  get(key: string): string | null {
    const s = local();
    return s ? s.getItem(key) : (memory.get(key) ?? null);
  },
  set(key: string, value: string | null): void {
    const s = local();
    if (s) {
      if (value === null) s.removeItem(key);
      else s.setItem(key, value);
      return;
    }
    if (value === null) memory.delete(key);
    else memory.set(key, value);
  },
};

/** The token where storage is blocked: kept in the frame's name between Aula's page loads. */
export const frameToken = {
  available: () => local() === null,
  get(): string | null {
    return window.name.startsWith(NAME_PREFIX) ? window.name.slice(NAME_PREFIX.length) : null;
  },
  set(token: string | null): void {
    if (token) window.name = NAME_PREFIX + token;
    else if (window.name.startsWith(NAME_PREFIX)) window.name = '';
  },
};
