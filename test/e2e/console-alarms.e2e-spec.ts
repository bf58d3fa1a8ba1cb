/// <reference lib="dom" />
// (page functions run in the browser)
import request from 'supertest';
import { SimulatedTerminal } from '../../src/tracking/simulator/simulated-terminal.js';
import { registrationFor } from '../../src/tracking/simulator/simulator.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { DESKTOP, describeWithBrowser, launchBrowser, screenshot, signIn, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { consoleWorld, waybillOnTheRoad, type ConsoleWorld } from '../helpers/console-world.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';

// An alarm appearing on the authority's live map, raised by the monitoring module from a simulated vehicle that
// speeds (120 km/h; dangerous goods: 80 km/h at most) and presses the emergency button (JT/T 808 alarm bit 0).
// Against a server without monitoring (GET /alarms, the /watch 'alarms' event) it fails on purpose, saying so.
describeWithBrowser('web console: alarms from monitoring', () => {
  let t: TestApp;
  let b: TestBrowser;
  let w: ConsoleWorld;
  let authority: { username: string; token: string };
  let terminal: SimulatedTerminal;

  beforeAll(async () => {
    t = await startTestApp();
    authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    const probe = await request(t.http).get('/alarms?status=open').set(bearer(authority.token));
    if (probe.status === 404) throw new Error('GET /alarms answered 404: the monitoring module is not merged, and this test needs it (see the file header)');
    b = await launchBrowser();
    w = await consoleWorld(t);
    await waybillOnTheRoad(t, w);
    await t.app.get(PositionsService).refreshWaybillLinks();
    terminal = new SimulatedTerminal({ host: '127.0.0.1', port: t.app.get(TerminalServer).port!, phone: w.phone });
    await terminal.connect();
    const { authCode } = await terminal.register(registrationFor({ phone: w.phone, plate: w.vehicle.plateNumber } as never, '2013'));
    await terminal.authenticate(authCode);
  }, 180_000);
  afterAll(async () => {
    await terminal?.close();
    await b?.close();
    await t?.close();
  });

  it('should show an alarm appearing for a speeding vehicle, and let the authority acknowledge and dispose of it', async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await signIn(page, t.url, authority.username, PASSWORD);
    await page.waitForSelector('[data-testid=alarm-feed]');
    let lat = 39.6;
    const alarmItem = page.locator('[data-testid=alarm-feed] li[data-alarm]', { hasText: w.vehicle.plateNumber });
    // 167 m every 5 s at 120 km/h, with the emergency bit, until the alarm shows (two minutes at most).
    for (let i = 0; i < 24 && !(await alarmItem.count()); i++) {
      lat = Math.round((lat + 0.0015) * 1e6) / 1e6;
      await terminal.sendLocation({ latitude: lat, longitude: 109.8, speedKmh: 120, direction: 0, alarm: 1, status: 0b11, time: new Date() });
      await page.waitForTimeout(5000);
    }
    await alarmItem.first().waitFor({ timeout: 10_000 });
    expect(await page.getAttribute(`[data-testid=vehicle-list] li[data-vehicle="${w.vehicle.id}"]`, 'data-state')).toBe('alarm');
    await screenshot(page, 'map-alarm-live');
    const id = (await alarmItem.first().getAttribute('data-alarm'))!;
    const item = page.locator(`[data-testid=alarm-feed] li[data-alarm="${id}"]`);
    page.on('dialog', (d) => void d.accept(d.message().includes('处置') ? '已联系驾驶员减速' : '已核实'));
    await item.locator('button:has-text("确认")').click();
    await page.locator(`[data-testid=alarm-feed] li[data-alarm="${id}"].acknowledged`).waitFor();
    await item.locator('button:has-text("处置")').click();
    await item.waitFor({ state: 'detached' });
    const open = await request(t.http).get('/alarms?status=open').set(bearer(authority.token));
    expect(open.body.items.map((a: { id: string }) => a.id)).not.toContain(id);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 240_000);
});
