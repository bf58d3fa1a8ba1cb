/// <reference lib="dom" />
// (page functions run in the browser)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import request from 'supertest';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { DESKTOP, describeWithBrowser, horizontalOverflow, launchBrowser, PHONE, screenshot, signIn, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';
import { createWaybillWorld, issuedWaybill, type WaybillWorld } from '../helpers/waybill-world.js';

// The web console in Debian's Chromium against the whole application: sign-in and navigation per role, the
// pages at phone and desktop widths, drafting and issuing a waybill, the public verification page, the fleet.
describeWithBrowser('web console', () => {
  let t: TestApp;
  let b: TestBrowser;
  let w: WaybillWorld;

  beforeAll(async () => {
    t = await startTestApp();
    b = await launchBrowser();
    w = await createWaybillWorld(t);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('should serve the console on its own paths and leave the API, docs, health and unknown paths alone', async () => {
    const page = await request(t.http).get('/map').set('Accept', 'text/html');
    expect([page.status, page.headers['content-type']]).toEqual([200, expect.stringContaining('text/html')]);
    expect(page.text).toContain('<div id="app">');
    expect((await request(t.http).get('/').set('Accept', 'text/html')).text).toContain('<div id="app">');
    const api = await request(t.http).get('/waybills').set('Accept', 'text/html');
    expect([api.status, api.body.code]).toEqual([401, 'TOKEN_MISSING']);
    expect((await request(t.http).get('/health')).body.status).toBeDefined();
    expect((await request(t.http).get('/docs/openapi.json')).body.paths['/waybills/goods-check']).toBeDefined();
    expect((await request(t.http).get('/metrics')).text).toContain('# HELP');
    const unknown = await request(t.http).get('/no-such-page').set('Accept', 'text/html');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    expect((await request(t.http).get('/config')).body).toEqual({ mapTileUrl: null, mapTileAttribution: null });
    // Draft goods checked as issue would: gasoline with a blasting explosive may not travel together.
    const goods = await request(t.http).post('/waybills/goods-check').set(bearer(w.shipper.token)).send({ lines: [{ unNumber: 'UN1203' }, { unNumber: '0081' }] });
    expect(goods.status).toBe(200);
    expect(goods.body.lines).toMatchObject([{ unNumber: '1203', hazardClass: '3', packingGroup: 'II', labels: ['3'] }, { unNumber: '0081' }]);
    expect(goods.body.problems.map((p: { code: string }) => p.code)).toEqual(['MIXED_LOADING_PROHIBITED']);
    expect((await request(t.http).post('/waybills/goods-check').set(bearer(w.shipper.token)).send({ lines: [{ unNumber: '9999' }] })).body.problems[0].code).toBe('GOODS_UNKNOWN');
    const asset = page.text.match(/\/assets\/[^"]+\.js/)![0];
    const js = await request(t.http).get(asset);
    expect([js.status, js.headers['cache-control']]).toEqual([200, expect.stringContaining('immutable')]);
  });

  it('should sign each role in to its own pages, in Chinese by default and English on request', async () => {
    const roles = [
      { kind: 'authority', nav: ['/map', '/shipments', '/verify'] },
      { kind: 'shipper', nav: ['/shipments', '/verify'] },
      { kind: 'carrier', nav: ['/map', '/shipments', '/fleet', '/verify'] },
      { kind: 'loading_site', nav: ['/gate', '/shipments', '/verify'] },
      { kind: 'consignee', nav: ['/shipments', '/verify'] },
    ] as const;
    const users = await Promise.all(roles.map((r) => createOrgWithUser(t, r.kind, { regionCode: r.kind === 'authority' ? '150000' : '150203' })));
    const accounts = [...roles.map((r, i) => ({ ...r, username: users[i]!.username, password: PASSWORD })), { kind: 'admin', nav: ['/map', '/gate', '/shipments', '/fleet', '/verify'], username: 'admin', password: ADMIN_PASSWORD }];
    // Every role at desktop width; at phone width the roles that work from a phone (the gate, drafts, the map).
    const phoneKinds = ['loading_site', 'shipper', 'authority'];
    for (const viewport of [DESKTOP, PHONE]) {
      for (const a of accounts.filter((x) => viewport === DESKTOP || phoneKinds.includes(x.kind))) {
        const ctx = await b.context(viewport);
        const page = await ctx.newPage();
        const errors = watchErrors(page);
        await signIn(page, t.url, a.username, a.password);
        expect(await page.$$eval('[data-nav]', (els) => els.map((e) => e.getAttribute('data-nav')))).toEqual(a.nav);
        // Landed on the first page of the role; a page of another role sends it back there.
        await page.waitForURL(`**${a.nav[0]}`);
        if (a.kind === 'shipper') {
          await page.goto(`${t.url}/fleet`);
          await page.waitForURL('**/shipments');
        }
        await page.waitForTimeout(300);
        await screenshot(page, `home-${a.kind}`);
        if (a.nav[0] !== '/map') expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        expect(errors).toEqual([]);
        await ctx.close();
      }
    }
    const ctx = await b.context(PHONE);
    const page = await ctx.newPage();
    await page.goto(`${t.url}/login`);
    expect(await page.textContent('h1')).toBe('登录');
    await page.click('[data-testid=lang-switch]');
    expect(await page.textContent('h1')).toBe('Sign in');
    await page.fill('input[name=username]', accounts[1]!.username);
    await page.fill('input[name=password]', 'wrong password!');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toBe('Wrong username or password');
    await screenshot(page, 'login-failed');
    await ctx.close();
  }, 180_000);

  it('should show a shipper only its own waybills', async () => {
    const mine = await issuedWaybill(t, w);
    const other = await createWaybillWorld(t);
    const theirs = await issuedWaybill(t, other);
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signIn(page, t.url, other.shipper.username, PASSWORD);
    await page.waitForSelector('[data-testid=waybill-list]');
    const listed = await page.textContent('[data-testid=waybill-list]');
    expect(listed).toContain(theirs.number);
    expect(listed).not.toContain(mine.number);
    // Asking for another shipper's waybill by its address shows nothing of it.
    await page.goto(`${t.url}/shipments/${mine.id}`);
    await page.waitForSelector('.error');
    expect(await page.textContent('main')).not.toContain(mine.number);
    await ctx.close();
  }, 60_000);

  it('should draft a waybill from the catalogue, show a mixed-loading conflict as it is typed, then dispatch, issue and print it', async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const ctx = await b.context(viewport);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await signIn(page, t.url, w.shipper.username, PASSWORD);
      await page.click('[data-testid=new-waybill]');
      await page.waitForSelector(`[data-testid=origin] option[value="${w.origin.id}"]`, { state: 'attached' });
      await page.selectOption('[data-testid=origin]', w.origin.id);
      await page.selectOption('[data-testid=destination]', w.destination.id);
      await page.fill('[data-testid=carrier]', w.carrier.org.id);
      await page.fill('[data-testid=emergency-name]', '应急值班室');
      await page.fill('[data-testid=emergency-phone]', '0477-1234567');
      await page.fill('[data-testid=goods-0]', '汽油');
      await page.click('[data-testid=suggestions-0] li[data-un="1203"]');
      expect(await page.textContent('[data-testid=class-0]')).toBe('3');
      await page.waitForFunction(() => document.querySelector('[data-testid=labels-0]')?.textContent === '3');
      await page.fill('[data-testid=qty-0]', '20');
      // A blasting explosive on the same vehicle: ADR 7.5.2.1 forbids it, and the form says so at once.
      await page.click('[data-testid=add-line]');
      await page.fill('[data-testid=goods-1]', '0081');
      await page.click('[data-testid=suggestions-1] li[data-un="0081"]');
      await page.waitForSelector('[data-testid=goods-problems] li[data-code=MIXED_LOADING_PROHIBITED]');
      await screenshot(page, 'waybill-new-conflict');
      await page.click('[data-testid=line-1] button.link');
      await page.waitForSelector('[data-testid=goods-problems]', { state: 'detached' });
      await page.click('[data-testid=save-draft]');
      await page.waitForSelector('[data-testid=waybill-status][data-status=draft]');
      const id = page.url().split('/').pop()!;
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(w.shipper.token))).body.lines).toMatchObject([{ unNumber: '1203', hazardClass: '3', declaredQuantity: 20, unit: 't' }]);

      // The carrier dispatches its vehicle and crew.
      const carrierCtx = await b.context(viewport);
      const carrier = await carrierCtx.newPage();
      await signIn(carrier, t.url, w.carrier.username, PASSWORD);
      await carrier.goto(`${t.url}/shipments/${id}`);
      await carrier.waitForSelector(`[data-testid=dispatch-vehicleId] option[value="${w.vehicle.id}"]`, { state: 'attached' });
      await carrier.selectOption('[data-testid=dispatch-vehicleId]', w.vehicle.id);
      await carrier.selectOption('[data-testid=dispatch-trailerId]', w.trailer.id);
      await carrier.selectOption('[data-testid=dispatch-tankId]', w.tank.id);
      await carrier.selectOption('[data-testid=dispatch-driverId]', w.driver.id);
      await carrier.selectOption('[data-testid=dispatch-escortId]', w.escort.id);
      await carrier.click('[data-testid=dispatch-save]');
      await carrier.waitForSelector('[data-testid=dispatched]');
      await screenshot(carrier, 'waybill-dispatch');
      await carrierCtx.close();

      // The shipper issues it and prints it with its QR.
      await page.reload();
      await page.click('[data-testid=issue]');
      await page.waitForSelector('[data-testid=waybill-status][data-status=issued]');
      await page.click('[data-testid=print]');
      const frame = page.frameLocator('#print-frame');
      await frame.locator('svg').first().waitFor();
      expect(await frame.locator('h1').textContent()).toBe('危险货物道路运输运单');
      await screenshot(page, 'waybill-print');
      expect(errors).toEqual([]);
      await ctx.close();
    }
  }, 120_000);

  it('should show the issue refusal reasons in plain language', async () => {
    const created = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft());
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signIn(page, t.url, w.shipper.username, PASSWORD);
    await page.goto(`${t.url}/shipments/${created.body.id}`);
    await page.click('[data-testid=issue]'); // not dispatched: no vehicle, no driver
    await page.waitForSelector('[data-testid=issue-problems] li');
    expect(await page.textContent('[data-testid=issue-problems]')).toMatch(/[\u4e00-\u9fff]/);
    await screenshot(page, 'waybill-issue-refused');
    await ctx.close();
  }, 60_000);

  it('should verify a genuine QR from its image and refuse a tampered one, without signing in', async () => {
    const wb = await issuedWaybill(t, w);
    const dir = join(process.cwd(), 'test-artifacts', 'qr');
    mkdirSync(dir, { recursive: true });
    const genuine = join(dir, 'genuine.png');
    await QRCode.toFile(genuine, wb.qr, { width: 480, margin: 2 });
    const [h, payload, sig] = (wb.qr as string).split('.');
    const tamperedText = `${h}.${payload!.slice(0, -2)}${payload!.slice(-2) === 'AA' ? 'AB' : 'AA'}.${sig}`;
    const tampered = join(dir, 'tampered.png');
    await QRCode.toFile(tampered, tamperedText, { width: 480, margin: 2 });
    for (const viewport of [PHONE, DESKTOP]) {
      const ctx = await b.context(viewport);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await page.goto(`${t.url}/verify`);
      await page.setInputFiles('[data-testid=qr-file]', genuine);
      await page.waitForSelector('[data-testid=verdict][data-genuine=true]');
      expect(await page.textContent('[data-testid=verdict] h2')).toBe('真实有效的电子运单');
      expect(await page.textContent('[data-testid=plates]')).toContain(w.vehicle.plateNumber);
      expect(await page.textContent('[data-testid=essentials]')).toContain('UN1203');
      // Nobody's name or ID number is on the public page.
      expect(await page.textContent('main')).not.toContain(w.driver.name);
      await screenshot(page, 'verify-genuine');
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

      await page.setInputFiles('[data-testid=qr-file]', tampered);
      await page.waitForSelector('[data-testid=verdict][data-genuine=false]');
      expect(await page.textContent('[data-testid=verdict] h2')).toBe('不是真实有效的运单');
      expect(await page.$('[data-testid=essentials]')).toBeNull();
      await screenshot(page, 'verify-tampered');

      // Pasting the text works too, and a link carries it.
      await page.goto(`${t.url}/verify?qr=${encodeURIComponent(wb.qr)}`);
      await page.waitForSelector('[data-testid=verdict][data-genuine=true]');
      expect(errors).toEqual([]);
      await ctx.close();
    }
  }, 90_000);

  it('should show carriers their certificates by status and each bad CSV row', async () => {
    await request(t.http).patch(`/vehicles/${w.vehicle.id}`).set(bearer(w.carrier.token)).send({ insuranceValidUntil: '2020-01-01' }).expect(200);
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await request(t.http).patch(`/vehicles/${w.trailer.id}`).set(bearer(w.carrier.token)).send({ nextSafetyInspection: soon }).expect(200);
    const dir = join(process.cwd(), 'test-artifacts', 'csv');
    mkdirSync(dir, { recursive: true });
    const csv = join(dir, 'vehicles.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(csv, ['车牌号,车牌颜色,车辆类型', '蒙B77001,yellow,truck', '不是车牌,yellow,truck', ''].join('\r\n'));
    for (const viewport of [DESKTOP, PHONE]) {
      const ctx = await b.context(viewport);
      const page = await ctx.newPage();
      await signIn(page, t.url, w.carrier.username, PASSWORD);
      await page.goto(`${t.url}/fleet`);
      const row = (plate: string) => page.locator('[data-testid=fleet-table] tr', { hasText: plate });
      await row(w.vehicle.plateNumber).locator('[data-cert=insuranceValidUntil][data-state=expired]').waitFor();
      await row(w.trailer.plateNumber).locator('[data-cert=nextSafetyInspection][data-state=expiring]').waitFor();
      expect(await row(w.vehicle.plateNumber).locator('[data-cert=insuranceValidUntil]').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(198, 40, 40)');
      if (viewport === DESKTOP) {
        await page.setInputFiles('[data-testid=csv-file]', csv);
        await page.click('[data-testid=csv-upload]');
        await page.waitForSelector('[data-testid=import-result] tr.bad[data-row="3"]');
        expect(await page.textContent('[data-testid=import-result] tr.bad[data-row="3"]')).toContain('车牌号');
      }
      await screenshot(page, 'fleet');
      await ctx.close();
    }
  }, 90_000);
});
