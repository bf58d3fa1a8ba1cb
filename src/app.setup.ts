import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module.js';
import { DomainErrorFilter } from './common/error.filter.js';
import type { Env } from './config/env.js';
import { LiveIoAdapter } from './live/live.adapter.js';
import { LiveBackend } from './live/live.backend.js';
import { requestId } from './ops/logging.module.js';
import { serveConsole } from './console/console.static.js';
import { CSV_BODY_LIMIT } from './vehicles/fleet-import.dto.js';

// Builds the whole application from a parsed environment. main.ts, demo.ts and the e2e tests all use this,
// so what the tests exercise is what runs.
export async function createApp(env: Env): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // socket.io on the API's HTTP server, fanned out through Redis when REDIS_URL is set (src/live/).
  app.useWebSocketAdapter(new LiveIoAdapter(app, app.get(LiveBackend)));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Request ids first, so that even a body the parser refuses is answered and logged with one.
  app.use((req: IncomingMessage & { id?: string }, res: ServerResponse, next: () => void) => {
    req.id = requestId(req, res);
    next();
  });
  app.useBodyParser('json', { limit: env.BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: env.BODY_LIMIT, extended: false });
  // Fleet imports post the CSV file itself, as bytes: it may be GBK, which only the import can tell.
  app.useBodyParser('raw', { type: ['text/csv', 'application/csv'], limit: CSV_BODY_LIMIT });
  // Gate photos (loading checks), posted as the raw image.
  app.useBodyParser('raw', { type: ['image/jpeg', 'image/png', 'image/webp'], limit: env.PHOTO_MAX_BYTES });
  app.useGlobalFilters(new DomainErrorFilter(env.BODY_LIMIT));
  // The web console (web/): its assets and pages, on paths no API route uses.
  serveConsole(app);
  const config = new DocumentBuilder()
    .setTitle('Hazway API')
    .setDescription('Road transport of dangerous goods: waybills, pre-loading checks, tracking and monitoring')
    .setVersion('0.1.0')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'apiKey')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
