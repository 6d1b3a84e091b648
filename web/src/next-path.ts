/**
 * Where to go after sign-in. Only a path on this site is accepted: an absolute URL, a protocol-relative
 * `//host` or a backslash form browsers read as one (`/\host`) would make the sign-in page an open redirect.
 */
export function safeNextPath(raw: string | null | undefined, origin: string): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || /[\u0000-\u001f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || url.pathname === '/login') return '/';
  return url.pathname + url.search + url.hash;
}

/** The sign-in page's address that returns to the current page afterwards. */
export function loginPathReturningHere(): string {
  const here = location.pathname + location.search + location.hash;
  return here === '/' || location.pathname === '/login' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}
