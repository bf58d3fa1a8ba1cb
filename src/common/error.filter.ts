import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from './errors.js';
import { ReplayedResponse } from './idempotency.interceptor.js';

export type ErrorBody = {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  requestId?: string;
};

// Nest's own HTTP exceptions (unknown route, body parser failures) mapped onto stable codes.
const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
};

// Errors raised by express/body-parser before a route runs carry `type` and `status`.
type ParserError = Error & { type?: string; status?: number; statusCode?: number; limit?: number; length?: number };

export function toErrorBody(exception: unknown, bodyLimit?: number): ErrorBody {
  if (exception instanceof DomainError) {
    return {
      status: exception.status,
      code: exception.code,
      message: exception.message,
      ...(exception.details === undefined ? {} : { details: exception.details }),
    };
  }
  // Nest wraps body-parser errors in an HttpException whose cause is the original.
  const parser = (exception instanceof HttpException && exception.cause ? exception.cause : exception) as ParserError;
  if (parser && typeof parser === 'object' && typeof parser.type === 'string') {
    switch (parser.type) {
      case 'entity.too.large':
        return {
          status: 413,
          code: 'BODY_TOO_LARGE',
          message: `Request body is larger than the limit of ${parser.limit ?? bodyLimit} bytes`,
          details: { limit: parser.limit ?? bodyLimit, length: parser.length },
        };
      case 'entity.parse.failed':
        return { status: 400, code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return { status: 415, code: 'UNSUPPORTED_ENCODING', message: parser.message };
      case 'request.aborted':
        return { status: 400, code: 'REQUEST_ABORTED', message: 'The client aborted the request' };
      default:
        break;
    }
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return { status, code: 'ROUTE_NOT_FOUND', message: 'No such route' };
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; '))
          : String((response as { message?: unknown }).message ?? exception.message);
    return { status, code: HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR'), message };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' };
}

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly bodyLimit?: number) {}

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    if (exception instanceof ReplayedResponse) {
      res.status(exception.status).json(exception.body);
      return;
    }
    const body = toErrorBody(exception, this.bodyLimit);
    if (body.status >= 500) {
      // Details stay in the log; the client gets the code and the request id to quote.
      this.logger.error({ err: exception, requestId: req.id }, 'unhandled error');
    }
    if (res.headersSent) return;
    res.status(body.status).json({ ...body, requestId: req.id });
  }
}
