import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isConsolePath } from './console.paths.js';

// The built web console (web/, `npm run build:web`): the same folder whether this runs from src/ (tests) or dist/.
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

// Serves the console: hashed assets under /assets (cached for good; the basemap outlines are among them) and
// index.html for the console's own paths only. Without a build, those paths say how to make one.
export function serveConsole(app: NestExpressApplication, dir = CONSOLE_DIR): void {
  const built = existsSync(`${dir}/index.html`);
  if (built) {
    app.useStaticAssets(`${dir}/assets`, { prefix: '/assets', immutable: true, maxAge: '365d', index: false, fallthrough: true });
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isConsolePath(req.path)) return next();
    if (!built) {
      res.status(503).type('text/plain; charset=utf-8').send('The web console is not built: run `npm run build:web` (npm start does it).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.sendFile('index.html', { root: dir });
  });
}
