import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Server, type ServerOptions } from 'socket.io';
import type { LiveBackend } from './live.backend.js';

export const LIVE_PATH = '/socket.io';

// Nest's socket.io adapter with the fan-out backend (Redis or in-memory) attached. socket.io shares the HTTP
// server of the API (gateways without a port), at LIVE_PATH.
//
// Server-wide options belong here rather than in a gateway decorator: the first gateway to start creates the
// server, and a gateway naming a different `path` would get a second server on the same HTTP port.
export class LiveIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly backend: LiveBackend,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const opts: Partial<ServerOptions> = { ...options, path: options?.path ?? LIVE_PATH, serveClient: false };
    const adapter = this.backend.adapterFactory();
    if (adapter) opts.adapter = adapter;
    return this.httpServer && port === 0 ? new Server(this.httpServer, opts) : new Server(port, opts);
  }
}
