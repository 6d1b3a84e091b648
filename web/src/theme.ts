import { safeStorage } from './storage';
/**
 * Light or dark: the system's choice (prefers-color-scheme) until the viewer picks one with the toggle, which is
 * remembered. The choice is applied as data-theme on <html>; the stylesheet holds both palettes. A page left open
 * follows the system when it changes (dark at night), as long as the viewer has not picked one.
 */
const THEME_KEY = 'aula.theme';
type Theme = 'light' | 'dark';
const systemPrefersDark = matchMedia('(prefers-color-scheme: dark)');

function systemTheme(): Theme {
  return systemPrefersDark.matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  const saved = safeStorage.get(THEME_KEY);
  return saved === 'light' || saved === 'dark' ? saved : systemTheme();
}

export function applyTheme(theme: Theme = currentTheme()): void {
  document.documentElement.dataset.theme = theme;
}

function paintToggle(button: HTMLElement): void {
  button.textContent = 'Dark mode';
  button.setAttribute('aria-pressed', String(currentTheme() === 'dark'));
}

systemPrefersDark.addEventListener('change', () => {
  applyTheme();
  const toggle = document.getElementById('theme-toggle');
  if (toggle) paintToggle(toggle);
});

export function themeToggle(): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'theme-toggle';
  button.className = 'theme-toggle';
  button.addEventListener('click', () => {
    safeStorage.set(THEME_KEY, currentTheme() === 'dark' ? 'light' : 'dark');
    applyTheme();
    paintToggle(button);
  });
  paintToggle(button);
  return button;
}
