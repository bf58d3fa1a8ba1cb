import { isConsolePath } from './console.paths.js';

describe('isConsolePath', () => {
  it('should answer the console pages and nothing the API, docs or socket.io serve', () => {
    for (const p of ['/', '/map', '/gate', '/shipments/new', '/shipments/6f1c', '/fleet', '/verify', '/login']) expect(isConsolePath(p)).toBe(true);
    for (const p of ['/waybills', '/waybills/1', '/docs', '/docs/openapi.json', '/health', '/metrics', '/socket.io/', '/config', '/mapping', '/gates', '/verifyx', '/public/verify', '/alarms', '/zones'])
      expect(isConsolePath(p)).toBe(false);
  });
});
