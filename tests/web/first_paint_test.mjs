// The household page's first paint (server/http/first_paint.h, clients/web/app/first_paint.ts)
// in chromium against a real pointsd --demo: a phone signed in before opens the page, and its
// balance is painted from the HTML alone while the script and the stylesheet are held back;
// then the app takes over the same balance and goes live (an award posted moves it without a
// reload); with the elder-mode switch on it paints large. The first paint is photographed at
// 360x740 into $WEB_SCREENSHOTS.
//
//   node --test tests/web/first_paint_test.mjs   (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { kChromiumArgs, readDemoTokens, WEB, POINTSD, CHROMIUM, SHOTS } from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

// An award posts after this; the page shows it by its stream within LIVE_MS.
const NOTICE_SECONDS = 2;
const LIVE_MS = 15_000;
const { chromium } = createRequire(path.join(WEB, 'package.json'))('playwright-core');

describe('the first paint', () => {
  let dataDir;
  let server;
  let browser;
  let base;
  let tokens;

  // A Connect call as a Node client makes it, with the token in Authorization.
  async function call(who, method, body) {
    const response = await fetch(`${base}/points.v1.${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[who]}` },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json();
  }
  const balanceOf = async () =>
    (await call('household-1', 'VillageService/GetHousehold', { village: 1, household: 1 }))
      .pointsBalance ?? '0';
  const shown = (page) =>
    page
      .getByTestId('balance')
      .innerText()
      .then((t) => t.replace(/\D/g, ''));

  before(async () => {
    assert.ok(fs.existsSync(path.join(WEB, 'www', 'index.html')), 'clients/web: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-first-paint-'));
    [server, browser] = await Promise.all([
      startPointsd(POINTSD, dataDir, {
        flags: [
          '--notice-seconds',
          String(NOTICE_SECONDS),
          '--review-threshold',
          '20',
          '--web-root',
          path.join(WEB, 'www'),
        ],
      }),
      chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs }),
    ]);
    base = `http://127.0.0.1:${server.httpPort}`;
    tokens = readDemoTokens(dataDir);
  });

  after(async () => {
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('paints the balance from the HTML before any other file, then goes live', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/#token=${tokens['household-1']}&village=1&household=1`);
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'points_session');
    assert.equal(cookie.value, tokens['household-1']);
    assert.equal(cookie.sameSite, 'Strict');

    // The next open: every file but the page itself held until released.
    const held = [];
    let release;
    const released = new Promise((r) => (release = r));
    await page.route(/\/assets\//, async (route) => {
      held.push(route.request().url());
      await released;
      await route.continue();
    });
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.getByTestId('balance').waitFor();
    assert.equal(await shown(page), await balanceOf());
    // Painted, not merely parsed: chromium reports the paint while nothing else has arrived.
    await page.waitForFunction(
      () => performance.getEntriesByName('first-contentful-paint').length === 1,
      null,
      { timeout: 5000 },
    );
    assert.ok(held.some((u) => u.endsWith('.js')) && held.some((u) => u.endsWith('.css')), held);
    assert.equal(await page.getByRole('button', { name: '退出登录' }).count(), 0, 'no app yet');
    assert.equal(await page.locator('h1').innerText(), '我家的积分');
    await page.screenshot({ path: path.join(SHOTS, 'first-paint-360x740.png') });

    // The app renders over it with the same figure, reads the rest, and goes live.
    release();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.locator('.passbook').waitFor();
    assert.equal(await page.getByTestId('balance').count(), 1);
    assert.equal(await page.locator('#first-paint-state').count(), 0);
    const before = BigInt(await balanceOf());
    await call('committee-li', 'AwardService/RecordAward', {
      award: {
        awardId: Buffer.from('00000000000000000000000000f1a571', 'hex').toString('base64'),
        village: 1,
        household: '1',
        rule: { rule: 2 },
        quantity: '1',
        note: '帮助修路一小时',
      },
    });
    await page.waitForFunction(
      (b) =>
        BigInt(
          document.querySelector('[data-testid=balance]')?.textContent.replace(/\D/g, '') || 0,
        ) > BigInt(b),
      String(before),
      { timeout: (NOTICE_SECONDS + 1) * 1000 + LIVE_MS, polling: 100 },
    );
    assert.equal(await shown(page), await balanceOf());

    // Signed out: the cookie goes with the session, and the page is the plain one again.
    await page.getByRole('button', { name: '退出登录' }).click();
    assert.deepEqual(await context.cookies(), []);
    await context.close();
  });

  it('paints in elder mode when the switch is on, before the stylesheet arrives', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/#token=${tokens['household-2']}&village=1&household=2`);
    await page.getByRole('button', { name: '长辈版：关' }).click();
    await page.getByRole('button', { name: '长辈版：开' }).waitFor();
    assert.ok((await context.cookies()).some((c) => c.name === 'points_elder' && c.value === '1'));

    // The next open, with the script and the stylesheet held back: the HTML alone is large.
    await page.route(/\/assets\//, () => {});
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.getByTestId('balance').waitFor();
    const sizes = await page.evaluate(() => ({
      elder: document.documentElement.classList.contains('elder'),
      body: parseFloat(getComputedStyle(document.body).fontSize),
      figure: parseFloat(
        getComputedStyle(document.querySelector('[data-testid=balance]')).fontSize,
      ),
    }));
    assert.ok(sizes.elder, 'the root element is in elder mode');
    assert.ok(sizes.body >= 18 && sizes.figure >= 30, JSON.stringify(sizes));
    await page.screenshot({ path: path.join(SHOTS, 'first-paint-elder-360x740.png') });

    // Switched off: the cookie goes, and the next first paint is the plain size.
    await page.unroute(/\/assets\//);
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: '长辈版：开' }).click();
    assert.ok(!(await context.cookies()).some((c) => c.name === 'points_elder'));
    await page.route(/\/assets\//, () => {});
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.getByTestId('balance').waitFor();
    assert.equal(
      await page.evaluate(() => document.documentElement.classList.contains('elder')),
      false,
    );
    await context.close();
  });
});
