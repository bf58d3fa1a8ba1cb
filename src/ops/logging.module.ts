import { type DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Env } from '../config/env.js';

// Structured JSON logs (pino) with a request id on every line: taken from X-Request-Id when the caller sends
// a sane one, generated otherwise, and echoed back in the response header and in error bodies.
export const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.authCode',
  '*.token',
];

// Where the log lines go: stdout, unless a test reads them (test/e2e/secret-logging.e2e-spec.ts).
export const LOG_SINK: { stream?: { write(line: string): void } } = {};

// Query parameters whose values are credentials when a client puts them in a URL (the API reads none of them, but a
// request line is logged as sent): replaced before the URL is logged.
const SECRET_QUERY = /([?&](?:token|access_token|accesstoken|api_key|apikey|key|password|secret|auth|authorization|code|authcode)=)[^&#]*/gi;
export const redactUrl = (url: string) => url.replace(SECRET_QUERY, '$1[redacted]');

export function requestId(req: IncomingMessage & { id?: string }, res: ServerResponse): string {
  if (req.id) return req.id; // assigned already by the first middleware (app.setup.ts)
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

// nestjs-pino takes [options, destination] as well as options alone.
const withSink = <T>(options: T): T => (LOG_SINK.stream ? ([options, LOG_SINK.stream as DestinationStream] as unknown as T) : options);

@Module({})
export class LoggingModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: withSink({
            level: env.LOG_LEVEL,
            genReqId: requestId,
            redact: { paths: REDACT, censor: '[redacted]' },
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          }),
        }),
      ],
    };
  }
}
