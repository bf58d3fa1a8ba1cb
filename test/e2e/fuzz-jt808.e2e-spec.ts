import { readFileSync } from 'node:fs';
import request from 'supertest';
import { runJt808Fuzz, type GoodTerminal } from '../../bench/jt808-fuzz-run.js';
import { corpusPayloads } from '../../bench/jt808-mutations.js';
import { hashAuthCode } from '../../src/tracking/terminal/terminal-directory.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';

// The always-on, small version of `npm run fuzz:jt808` (bench/fuzz-jt808.ts): a few thousand random and mutated
// JT/T 808 frames over many connections against the app in this process, while well-behaved terminals report.
// A server crash fails the test (it runs in this process); so do a disconnect or a missing ACK of a well-behaved
// terminal, or an acknowledged position that is not stored.

const corpus = corpusPayloads(JSON.parse(readFileSync(new URL('../fixtures/jt808/frames.json', import.meta.url), 'utf8')));

describe('JT/T 808 bad input at volume (fuzz, small)', () => {
  let t: TestApp;
  let port: number;
  let good: GoodTerminal[];
  let fuzzTerminals: { phone: string; authCode: string }[];

  beforeAll(async () => {
    t = await startTestApp();
    port = t.app.get(TerminalServer).port!;
    const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    const specs = Array.from({ length: 5 }, (_, i) => ({ phone: `01350000000${i}`, authCode: `fuzz-e2e-${i}`, plate: `蒙W0000${i}` }));
    const ids: string[] = [];
    for (const s of specs) {
      const [v] = await t.ds.query(`INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model) VALUES ($1, $2, 'yellow', 'truck', 'fuzz') RETURNING id`, [carrier.org.id, s.plate]);
      ids.push(v.id);
      await t.ds.query(`INSERT INTO terminals (organisation_id, protocol, phone, protocol_version, vehicle_id, auth_code) VALUES ($1, 'jt808', $2, '2013', $3, $4)`, [
        carrier.org.id,
        s.phone,
        v.id,
        hashAuthCode(s.authCode),
      ]);
    }
    good = specs.slice(0, 2).map((s, i) => ({ phone: s.phone, authCode: s.authCode, vehicleId: ids[i]! }));
    fuzzTerminals = specs.slice(2).map((s) => ({ phone: s.phone, authCode: s.authCode }));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('should survive 3,000 bad frames on many connections without disturbing the well-behaved terminals', async () => {
    const result = await runJt808Fuzz({ host: '127.0.0.1', port, frames: 3_000, connections: 20, corpus, fuzzTerminals, goodTerminals: good, goodIntervalMs: 50, seed: 2026 });
    expect(result.framesSent).toBe(3_000);
    expect(result.connections.opened).toBeGreaterThan(20);
    // Every kind of mutation was sent.
    expect(Object.values(result.byMutation).filter((n) => n === 0)).toEqual([]);
    expect(result.good).toMatchObject({ authenticated: 2, disconnects: 0, timedOut: 0, nacked: 0 });
    expect(result.good.acked).toBeGreaterThan(0);
    // Every position the server acknowledged to a well-behaved terminal is stored.
    for (const [vehicleId, fixes] of result.good.ackedFixes) {
      const rows: { t: string }[] = await t.ds.query(`SELECT extract(epoch FROM fix_time) * 1000 AS t FROM positions WHERE vehicle_id = $1`, [vehicleId]);
      const stored = new Set(rows.map((r) => Math.round(Number(r.t))));
      expect(fixes.filter((f) => !stored.has(f))).toEqual([]);
    }
    // The server still serves.
    expect((await request(t.http).get('/health')).status).toBe(200);
  }, 180_000);
});
