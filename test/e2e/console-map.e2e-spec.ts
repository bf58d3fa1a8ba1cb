/// <reference lib="dom" />
// (page functions run in the browser)
import type { Page } from 'playwright-core';
import { SimulatedTerminal } from '../../src/tracking/simulator/simulated-terminal.js';
import { registrationFor } from '../../src/tracking/simulator/simulator.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DESKTOP, describeWithBrowser, launchBrowser, PHONE, screenshot, signIn, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { consoleWorld, waybillOnTheRoad, type ConsoleWorld } from '../helpers/console-world.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';

// The authority's live map: a vehicle driven by the JT/T 808 simulator moves on it over /watch; its panel shows the
// trip (goods, crew, certificates, corridor) and replays the track. Monitoring (alarms, zones) is another module:
// without it (404) the map shows no alarm feed and no error; its contract is exercised here with the browser's
// own request interception, and console-alarms.e2e-spec.ts checks real alarms once monitoring is merged.
describeWithBrowser('web console: live map', () => {
  let t: TestApp;
  let b: TestBrowser;
  let w: ConsoleWorld;
  let authority: { username: string };
  let terminal: SimulatedTerminal;
  let wb: { id: string; number: string };

  // Fixes at least 5 s apart and 222 m apart at most: a plausible 160 km/h at worst, never a jump that the
  // plausibility rules would keep out of live views.
  let lastSent = 0;
  let lat = 39.6;
  const send = async (speedKmh: number) => {
    await new Promise((r) => setTimeout(r, Math.max(0, lastSent + 5000 - Date.now())));
    lastSent = Date.now();
    lat = Math.round((lat + 0.002) * 1e6) / 1e6;
    await terminal.sendLocation({ latitude: lat, longitude: 109.8, speedKmh, direction: 0, status: 0b11, time: new Date() });
    return lat;
  };
  const listItem = (page: Page) => page.locator(`[data-testid=vehicle-list] li[data-vehicle="${w.vehicle.id}"]`);

  beforeAll(async () => {
    // The rules stay off here: this vehicle wanders freely (its alarms and their colour: console-alarms.e2e-spec.ts).
    t = await startTestApp({ MONITOR_ENABLED: 'false' });
    b = await launchBrowser();
    w = await consoleWorld(t);
    authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    wb = await waybillOnTheRoad(t, w);
    await t.app.get(PositionsService).refreshWaybillLinks();
    terminal = new SimulatedTerminal({ host: '127.0.0.1', port: t.app.get(TerminalServer).port!, phone: w.phone });
    await terminal.connect();
    const { authCode } = await terminal.register(registrationFor({ phone: w.phone, plate: w.vehicle.plateNumber } as never, '2013'));
    await terminal.authenticate(authCode);
    await send(62);
  }, 180_000);
  afterAll(async () => {
    await terminal?.close();
    await b?.close();
    await t?.close();
  });

  it('should show a simulated vehicle moving live, coloured in transit, with its trip, crew, certificates and replay', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const ctx = await b.context(viewport);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await signIn(page, t.url, authority.username, PASSWORD);
      await page.waitForURL('**/map');
      await page.waitForSelector('[data-testid=live-state][data-state=live]');
      await listItem(page).waitFor();
      expect(await listItem(page).getAttribute('data-state')).toBe('transit');
      expect(await listItem(page).textContent()).toContain(w.vehicle.plateNumber);
      const before = Number(await listItem(page).getAttribute('data-lat'));
      // The terminal reports further along the road: the vehicle moves without a reload.
      const now = await send(71);
      await page.waitForFunction(([id, want]) => document.querySelector(`[data-testid=vehicle-list] li[data-vehicle="${id}"]`)?.getAttribute('data-lat') === want, [w.vehicle.id, String(now)] as const);
      expect(Number(await listItem(page).getAttribute('data-lat'))).not.toBe(before);
      expect(await listItem(page).textContent()).toContain('71 km/h');
      await screenshot(page, 'map-live');

      // Search by plate and by waybill number.
      await page.fill('[data-testid=vehicle-search]', w.vehicle.plateNumber.slice(-4));
      await listItem(page).waitFor();
      await page.fill('[data-testid=vehicle-search]', wb.number);
      await listItem(page).waitFor();
      await page.fill('[data-testid=vehicle-search]', '蒙Z99999');
      await listItem(page).waitFor({ state: 'detached' });
      await page.fill('[data-testid=vehicle-search]', '');

      // The panel: goods with UN number and class, the crew, the certificates; then the replay.
      await listItem(page).click();
      await page.waitForSelector('[data-testid=panel-waybill]');
      // The crew comes from the waybill's document, a second request that may answer after the waybill's.
      await page.waitForFunction((name) => document.querySelector('[data-testid=panel-waybill]')?.textContent?.includes(name), w.driver.name);
      const panel = await page.textContent('[data-testid=vehicle-panel]');
      expect(panel).toContain(wb.number);
      expect(panel).toContain('UN1203');
      expect(panel).toContain(w.driver.name);
      expect(panel).toContain(w.escort.name);
      await page.waitForSelector('[data-testid=vehicle-panel] .certs li');
      await page.click('[data-testid=replay]');
      await page.waitForSelector('[data-testid=replay-info]');
      expect(Number(await page.getAttribute('[data-testid=replay-info]', 'data-points'))).toBeGreaterThanOrEqual(2);
      await page.fill('[data-testid=replay-slider]', '1');
      await screenshot(page, 'map-panel-replay');
      // The alarm feed is there (monitoring answers GET /alarms), and nothing broke.
      expect(await page.$('[data-testid=alarm-feed]')).not.toBeNull();
      expect(errors).toEqual([]);
      await ctx.close();
    }
  }, 180_000);

  it('should draw alarms and zones from the monitoring contract and send acknowledge and dispose', async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    const now = new Date().toISOString();
    const alarm = {
      id: '11111111-1111-4111-8111-111111111111',
      ruleId: 'TR-05',
      severity: 'alarm',
      status: 'open',
      vehicleId: w.vehicle.id,
      plate: w.vehicle.plateNumber,
      waybillId: wb.id,
      waybillNumber: wb.number,
      openedAt: now,
      lastAt: now,
      closedAt: null,
      message: { zh: '偏离规划路线 2.3 公里', en: 'Off the planned route by 2.3 km' },
      evidence: {},
    };
    const posted: { url: string; body: unknown }[] = [];
    // Stand-ins for the monitoring endpoints (another branch): the page must work against their contract.
    await page.route('**/alarms?*', (r) => r.fulfill({ json: { items: [alarm], total: 1, limit: 200, offset: 0 } }));
    await page.route('**/alarms/*/*', (r) => {
      posted.push({ url: r.request().url(), body: r.request().postDataJSON() });
      const status = r.request().url().endsWith('/acknowledge') ? 'acknowledged' : 'closed';
      return r.fulfill({ json: { ...alarm, status } });
    });
    await page.route('**/zones', (r) =>
      r.fulfill({
        json: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[109.5, 39.5], [110.2, 39.5], [110.2, 40], [109.5, 40], [109.5, 39.5]]] }, properties: { name: '化工园区', kind: 'restricted', bannedClasses: ['1'], windows: [], speedLimitKmh: 40 } }],
        },
      }),
    );
    page.on('dialog', (d) => void d.accept(d.message().includes('处置') ? '已电话联系驾驶员，恢复路线' : '已核实'));
    await signIn(page, t.url, authority.username, PASSWORD);
    await page.waitForSelector(`[data-testid=alarm-feed] li[data-alarm="${alarm.id}"]`);
    expect(await page.textContent('[data-testid=alarm-feed]')).toContain('偏离规划路线');
    await listItem(page).waitFor();
    expect(await listItem(page).getAttribute('data-state')).toBe('alarm');
    await screenshot(page, 'map-alarm');
    await page.click(`[data-testid=alarm-feed] li[data-alarm="${alarm.id}"] button:has-text("确认")`);
    await page.waitForSelector(`[data-testid=alarm-feed] li[data-alarm="${alarm.id}"].acknowledged`);
    await page.click(`[data-testid=alarm-feed] li[data-alarm="${alarm.id}"] button:has-text("处置")`);
    await page.waitForSelector(`[data-testid=alarm-feed] li[data-alarm="${alarm.id}"]`, { state: 'detached' });
    expect(posted).toEqual([
      { url: expect.stringMatching(/\/alarms\/1{8}-.*\/acknowledge$/), body: { note: '已核实' } },
      { url: expect.stringMatching(/\/close$/), body: { disposition: '已电话联系驾驶员，恢复路线' } },
    ]);
    expect(await listItem(page).getAttribute('data-state')).toBe('transit');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);
});
