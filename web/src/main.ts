import { ApiError, api, getToken, setToken, type Me } from './api';
import { el, render } from './dom';

interface Course { id: string; title: string; description: string }
interface Outline extends Course { chapters: { id: string; title: string; lessons: { id: string; title: string }[] }[] }

const app = document.getElementById('app')!;
const nav = document.getElementById('nav')!;

function loginPage(message?: string) {
  const email = el('input', { type: 'email', name: 'email', placeholder: 'Email', required: 'true', autocomplete: 'username' });
  const password = el('input', { type: 'password', name: 'password', placeholder: 'Password', required: 'true', autocomplete: 'current-password' });
  const error = el('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = el('form', { class: 'login card' }, el('h1', {}, 'Sign in to Aula'), email, password, el('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api<{ token: string }>('POST', '/api/v1/auth/login', { email: email.value, password: password.value });
      setToken(r.token);
      location.href = location.pathname === '/login' ? '/' : location.pathname + location.search;
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : 'Sign-in failed';
    }
  });
  render(app, form);
}

async function homePage(me: Me) {
  const courses = await api<{ items: Course[] }>('GET', '/api/v1/courses?limit=200');
  const outlines = await Promise.all(courses.items.map((c) => api<Outline>('GET', `/api/v1/courses/${c.id}`)));
  render(
    app,
    el('h1', {}, `Welcome, ${me.name ?? 'admin'}`),
    outlines.length === 0 ? el('p', { class: 'muted' }, 'You have no courses yet.') : el('div', {}),
    ...outlines.map((o) =>
      el('section', { class: 'card course', 'data-course-id': o.id },
        el('h2', {}, o.title),
        o.description ? el('p', { class: 'muted' }, o.description) : el('span', {}),
        ...o.chapters.map((ch) =>
          el('div', {}, el('h3', {}, ch.title), el('ul', { class: 'plain' }, ...ch.lessons.map((l) => el('li', {}, el('a', { href: `/lessons/${l.id}`, class: 'lesson-link' }, l.title))))),
        ),
      ),
    ),
  );
}

async function boot() {
  // A share link plays for anyone holding it: no sign-in.
  const shared = /^\/share\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  if (shared?.[1]) return (await import('./pages/share')).renderSharePage(app, shared[1]);
  if (location.pathname === '/login' || !getToken()) return loginPage();
  let me: Me;
  try {
    me = await api<Me>('GET', '/api/v1/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setToken(null);
      return loginPage('Your session has ended; sign in again.');
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
  render(nav, el('span', { id: 'who' }, `${me.name ?? 'API key'} · ${me.role}`), el('a', { href: '/' }, 'Courses'), ...staffLinks, signOut);
  const routes = (await import('./routes')).routes;
  for (const route of routes) {
    const match = route.pattern.exec(location.pathname);
    if (match) return route.render(app, me, match);
  }
  return homePage(me);
}

boot().catch((err: unknown) => render(app, el('p', { class: 'error' }, err instanceof Error ? err.message : String(err))));
