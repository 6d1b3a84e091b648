import { safeStorage } from './storage';
/**
 * Light or dark: the system's choice (prefers-color-scheme) until the viewer picks one with the toggle, which is
 * remembered. The choice is applied as data-theme on <html>; the stylesheet holds both palettes.
 */
const THEME_KEY = 'aula.theme';
type Theme = 'light' | 'dark';

function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  const saved = safeStorage.get(THEME_KEY);
  return saved === 'light' || saved === 'dark' ? saved : systemTheme();
}

export function applyTheme(theme: Theme = currentTheme()): void {
  document.documentElement.dataset.theme = theme;
}

export function themeToggle(): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'theme-toggle';
  button.className = 'theme-toggle';
  const paint = () => {
    button.textContent = 'Dark mode';
    button.setAttribute('aria-pressed', String(currentTheme() === 'dark'));
  };
  button.addEventListener('click', () => {
    safeStorage.set(THEME_KEY, currentTheme() === 'dark' ? 'light' : 'dark');
    applyTheme();
    paint();
  });
  paint();
  return button;
}
