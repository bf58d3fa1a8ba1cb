// History-API routing over the console's own paths (src/console/console.paths.ts lists them for the server).
import { signal } from './state';

export const route = signal(location.pathname + location.search);

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route.value = location.pathname + location.search;
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => {
  route.value = location.pathname + location.search;
});

export const query = () => new URLSearchParams(location.search);

export function link(e: MouseEvent, to: string) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(to);
}
