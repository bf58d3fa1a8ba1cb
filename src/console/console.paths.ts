// The web console's own paths (web/src/routes.ts keeps the same list). Only these answer with the single-page
// app's index.html, so the console never shadows an API route, /docs, /health, /metrics or socket.io.
export const CONSOLE_ROUTES = ['/login', '/map', '/gate', '/shipments', '/fleet', '/verify'] as const;

export function isConsolePath(path: string): boolean {
  if (path === '/' || path === '/index.html') return true;
  return CONSOLE_ROUTES.some((r) => path === r || path.startsWith(`${r}/`));
}
