import { ApiError, api, getToken, setToken, type Me } from './api';
import { el, render } from './dom';
import { errorMessage } from './format';
import { searchForm } from './links';
import { loginPathReturningHere, safeNextPath } from './next-path';
import { applyTheme, themeToggle } from './theme';

applyTheme();
const app = document.getElementById('app')!;
const nav = document.getElementById('nav')!;

function loginPage(message?: string) {
  const email = el('input', { type: 'email', name: 'email', id: 'login-email', required: 'true', autocomplete: 'username' });
  const password = el('input', { type: 'password', name: 'password', id: 'login-password', required: 'true', autocomplete: 'current-password' });
  const error = el('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = el('form', { class: 'login card', 'aria-labelledby': 'login-heading' },
    el('h1', { id: 'login-heading' }, 'Sign in to Aula'),
    el('label', { for: 'login-email' }, 'Email'), email,
    el('label', { for: 'login-password' }, 'Password'), password,
    el('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api<{ token: string }>('POST', '/api/v1/auth/login', { email: email.value, password: password.value });
      setToken(r.token);
      location.href = safeNextPath(new URLSearchParams(location.search).get('next'), location.origin);
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : 'Sign-in failed';
    }
  });
  render(app, form);
  render(nav, themeToggle());
}

/** Signed out on any other page: the address becomes the sign-in page's, remembering where to return. */
function signInFirst(message?: string) {
  if (location.pathname !== '/login') history.replaceState(null, '', loginPathReturningHere());
  return loginPage(message);
}

async function boot() {
  // A share link plays for anyone holding it: no sign-in.
  const shared = /^\/share\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  if (shared?.[1]) return (await import('./pages/share')).renderSharePage(app, shared[1]);
  if (location.pathname === '/login' || !getToken()) return signInFirst();
  let me: Me;
  try {
    me = await api<Me>('GET', '/api/v1/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setToken(null);
      return signInFirst('Your session has ended; sign in again.');
    }
    throw err;
  }
  const signOut = el('a', { href: '#', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async (e) => {
    e.preventDefault();
    await api('POST', '/api/v1/auth/logout').catch(() => undefined);
    setToken(null);
    location.href = '/login';
  });
  const staffLinks = me.role === 'student' ? [] : [el('a', { href: '/console', id: 'console-link' }, 'Console')];
  render(nav, searchForm(), el('span', { id: 'who' }, `${me.name ?? 'API key'} · ${me.role}`), el('a', { href: '/' }, 'Courses'), ...staffLinks, themeToggle(), signOut);
  const routes = (await import('./routes')).routes;
  for (const route of routes) {
    const match = route.pattern.exec(location.pathname);
    if (match) return route.render(app, me, match);
  }
  return (await import('./pages/home')).renderHomePage(app, me);
}

boot().catch((err: unknown) => render(app, el('p', { class: 'error' }, errorMessage(err))));
