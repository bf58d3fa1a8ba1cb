/// <reference lib="dom" />
// (page functions run in the browser)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { DESKTOP, describeWithBrowser, horizontalOverflow, launchBrowser, PHONE, screenshot, signIn, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { consoleWorld, reportAt, waybillOnTheRoad, type ConsoleWorld } from '../helpers/console-world.js';
import { PASSWORD } from '../helpers/fixtures.js';
import { readyWaybill } from '../helpers/waybill-world.js';

// The loading gate on a phone: the waybill from a photo of its QR, the checklist, a failed check with its reasons,
// the fix, a passing check, then loading with quantities and seals. The carrier has recorded its pre-trip
// inspection of every waybill here (PL-26).
describeWithBrowser('web console: loading gate', () => {
  let t: TestApp;
  let b: TestBrowser;
  let w: ConsoleWorld;

  beforeAll(async () => {
    t = await startTestApp();
    b = await launchBrowser();
    w = await consoleWorld(t);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('should fail a check from a QR image with each reason in plain language, then pass it once fixed, and record the loading', async () => {
    const wb = await readyWaybill(t, w);
    const dir = join(process.cwd(), 'test-artifacts', 'qr');
    mkdirSync(dir, { recursive: true });
    const qrImage = join(dir, 'gate-waybill.png');
    await QRCode.toFile(qrImage, wb.qr, { width: 600, margin: 4 });
    // The terminal last reported ten minutes ago: no live tracking, so loading is refused (PL-25).
    await reportAt(t, w.vehicle.id, new Date(Date.now() - 10 * 60_000));

    const ctx = await b.context(PHONE);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await signIn(page, t.url, w.loader.username, PASSWORD);
    await page.waitForURL('**/gate');
    await screenshot(page, 'gate-start');
    await page.setInputFiles('[data-testid=gate-qr-file]', qrImage);
    await page.waitForSelector('[data-testid=scanned]');
    await page.waitForSelector(`[data-testid=operator] option[value="${w.operatorId}"]`, { state: 'attached' });
    await page.fill('[data-testid=plates]', `${w.vehicle.plateNumber} ${w.trailer.plateNumber}`);
    expect(await page.isDisabled('[data-testid=run-check]')).toBe(true); // nothing answered yet
    await page.click('[data-testid=all-ok]');
    await screenshot(page, 'gate-checklist');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.click('[data-testid=run-check]');

    await page.waitForSelector('[data-testid=check-outcome][data-outcome=fail]');
    expect(await page.textContent('[data-testid=check-outcome] h2')).toBe('查验未通过，禁止装货');
    const rules = await page.$$eval('[data-testid=failures] li', (els) => els.map((e) => e.getAttribute('data-rule')));
    expect(rules).toContain('PL-25');
    const zh = await page.textContent('[data-testid=failures] li[data-rule=PL-25]');
    expect(zh).toMatch(/[\u4e00-\u9fff]/);
    await screenshot(page, 'gate-failed');
    await page.click('[data-testid=lang-switch]');
    const en = await page.textContent('[data-testid=failures] li[data-rule=PL-25]');
    expect(en).not.toEqual(zh);
    expect(en).toMatch(/[A-Za-z]{4}/);
    expect(await page.textContent('[data-testid=check-outcome] h2')).toBe('Check failed: do NOT load');
    await page.click('[data-testid=lang-switch]');
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('check_failed');

    // The terminal reports again; the same answers, checked again, pass.
    await reportAt(t, w.vehicle.id, new Date());
    await page.click('[data-testid=check-again]');
    await page.click('[data-testid=run-check]');
    await page.waitForSelector('[data-testid=check-outcome][data-outcome=pass]');
    expect(await page.textContent('[data-testid=check-outcome] h2')).toBe('查验通过，可以装货');
    await screenshot(page, 'gate-passed');

    await page.click('[data-testid=start-loading]');
    await page.waitForSelector('[data-testid=finish-loading]');
    await page.fill('[data-testid=loaded-1]', '19.8');
    await page.fill('[data-testid=seals]', 'F-001 F-002');
    // A tank load by mass: the gauge's filling ratio is required (PL-22), the form does not go without it.
    expect(await page.getAttribute('[data-testid=filling-ratio]', 'required')).not.toBeNull();
    await page.fill('[data-testid=filling-ratio]', '91.5');
    await page.check('[data-testid=closures]');
    await screenshot(page, 'gate-loading');
    await page.click('[data-testid=finish-loading]');
    await page.waitForFunction(() => document.querySelector('[data-testid=waybill-status]')?.textContent === '已装货');
    const loaded = (await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body;
    expect(loaded).toMatchObject({ status: 'loaded', lines: [{ loadedQuantity: 19.8 }] });
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('should refuse a tampered QR at the gate and find a waybill by its typed number', async () => {
    const wb = await readyWaybill(t, w);
    await reportAt(t, w.vehicle.id, new Date());
    const [h, payload, sig] = wb.qr.split('.');
    const dir = join(process.cwd(), 'test-artifacts', 'qr');
    const forged = join(dir, 'gate-forged.png');
    await QRCode.toFile(forged, `${h}.${payload}x.${sig}`, { width: 600, margin: 4 });
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signIn(page, t.url, w.loader.username, PASSWORD);
    await page.setInputFiles('[data-testid=gate-qr-file]', forged);
    await page.click('[data-testid=all-ok]');
    await page.click('[data-testid=run-check]');
    await page.waitForSelector('[data-testid=gate-error]');
    expect(await page.textContent('[data-testid=gate-error]')).toContain('禁止装货');
    await screenshot(page, 'gate-forged');
    await page.click('text=重新扫描');
    await page.fill('[data-testid=waybill-number]', wb.number);
    await page.press('[data-testid=waybill-number]', 'Enter');
    await page.click('[data-testid=all-ok]');
    await page.click('[data-testid=run-check]');
    await page.waitForSelector('[data-testid=check-outcome][data-outcome=pass]');
    await screenshot(page, 'gate-passed');
    await ctx.close();
  }, 90_000);

  it('should let the consignee confirm receipt, closing the loop, or open a discrepancy that the shipper resolves', async () => {
    const arrived = async () => {
      const x = await consoleWorld(t);
      // 20 t of gasoline declared and loaded: in a tank it is high-consequence (ADR 1.10.3.1.2), so zero tolerance
      const wb = await waybillOnTheRoad(t, x, 20);
      const res = await request(t.http).post(`/waybills/${wb.id}/transitions`).set(bearer(x.carrier.token)).send({ action: 'arrive' });
      expect([res.status, res.body.status]).toEqual([200, 'arrived']);
      return { x, wb };
    };
    const receive = async (x: ConsoleWorld, id: string, tonnes: string | null) => {
      const ctx = await b.context(PHONE);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await signIn(page, t.url, x.consignee.username, PASSWORD);
      await page.goto(`${t.url}/shipments/${id}`);
      await page.waitForSelector('[data-testid=receipt]');
      expect(await page.inputValue('[data-testid=received-1]')).toBe('20'); // what was loaded, by default
      if (tonnes !== null) await page.fill('[data-testid=received-1]', tonnes);
      await page.click('[data-testid=receipt-confirm]');
      return { ctx, page, errors };
    };

    // As loaded: reconciliation closes the loop.
    const one = await arrived();
    const ok = await receive(one.x, one.wb.id, null);
    await ok.page.waitForSelector('[data-testid=waybill-status][data-status=closed]');
    await screenshot(ok.page, 'receipt-closed');
    expect(ok.errors).toEqual([]);
    await ok.ctx.close();
    const closed = await request(t.http).get(`/waybills/${one.wb.id}`).set(bearer(one.x.shipper.token));
    expect(closed.body.lines[0]).toMatchObject({ loadedQuantity: 20, receivedQuantity: 20 });

    // 3 t short: a discrepancy, listed for the consignee (who cannot resolve it) and resolved by the shipper.
    const two = await arrived();
    const short = await receive(two.x, two.wb.id, '17');
    await short.page.waitForSelector('[data-testid=waybill-status][data-status=discrepancy]');
    await short.page.waitForSelector('[data-testid=discrepancy-issues] li[data-code=QUANTITY_OUT_OF_TOLERANCE]');
    expect(await short.page.locator('[data-testid=resolve]').count()).toBe(0);
    await screenshot(short.page, 'receipt-discrepancy');
    await short.ctx.close();
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signIn(page, t.url, two.x.shipper.username, PASSWORD);
    await page.goto(`${t.url}/shipments/${two.wb.id}`);
    await page.waitForSelector('[data-testid=discrepancy-issues] li[data-code=QUANTITY_OUT_OF_TOLERANCE]');
    await page.fill('[data-testid=resolution]', '途中罐体计量偏差，已与收货人核实并补发');
    await page.click('[data-testid=resolve]');
    await page.waitForSelector('[data-testid=waybill-status][data-status=closed]');
    await ctx.close();
    const events = await request(t.http).get(`/waybills/${two.wb.id}/events`).set(bearer(two.x.shipper.token));
    const types = (events.body.items ?? events.body).map((e: { type: string }) => e.type);
    expect(types.slice(-3)).toEqual(['deliver', 'reconcile-discrepancy', 'resolve-discrepancy']);
  }, 120_000);
});
