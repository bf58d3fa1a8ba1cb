import { redactUrl } from './logging.module.js';

describe('redactUrl', () => {
  it('should hide credentials put in a query string, and nothing else', () => {
    expect(redactUrl('/vehicles?token=eyJhbGciOi.x.y&limit=5')).toBe('/vehicles?token=[redacted]&limit=5');
    expect(redactUrl('/x?limit=5&api_key=hzk_1_2&password=p#frag')).toBe('/x?limit=5&api_key=[redacted]&password=[redacted]#frag');
    expect(redactUrl('/public/verify?qr=HZW1.abc.def')).toBe('/public/verify?qr=HZW1.abc.def');
    expect(redactUrl('/tracking/track?vehicleId=1&from=2026-01-01T00:00:00Z')).toBe('/tracking/track?vehicleId=1&from=2026-01-01T00:00:00Z');
  });
});
