// The shop terminal offline at scale (clients/web/OFFLINE.md) in a real browser: Debian's
// chromium driven headless by playwright-core, against a real `pointsd --demo` serving the
// bundle. Issue 19's offline journeys not in terminal_test.mjs: two terminals of one shop
// offline at once, each held to its own limits; and 20 baskets from 5 households sold offline
// across a device restart (the browser closed and started again on the same profile, its
// IndexedDB and service worker) while pointsd is down, then synced when the link returns, the
// ledger's counts before and after showing each basket reached it exactly once, in order.
// axe-core checks the states; screenshots at 768x1024 (a tablet) and 360x740 (a phone) into
// $WEB_SCREENSHOTS.
//
//   node --test tests/web/terminal_offline_test.mjs  (pointsd from $POINTSD, chromium: $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  checkA11y as checkPage,
  idsFrom,
  kChromiumArgs,
  readDemoTokens,
  shoot as shootSizes,
  WEB,
  POINTSD,
  CHROMIUM,
  SHOTS,
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';
import { offlineCode, SHOP, shopTotal } from './terminal_kit.mjs';

const HOUSEHOLDS = [1, 2, 3, 4, 5];

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients, Role, BasketState } = points;

// What the household's app makes offline (app/offline_code.ts): PO1-<v>-<h>-<issued hex>-<mac>.
// `ms` apart for each code of a household: the issue time is what makes two codes differ.
describe('shop terminals offline in chromium', () => {
  let dataDir;
  let server;
  let ports;
  let base;
  let browser;
  const tokens = {};
  const api = {};
  const keys = {}; // household -> its offline key
  const axeResults = [];
  const profiles = []; // persistent contexts (a device's own browser), closed after
  let codeClock = Date.now() - 60_000;
  const codeFor = (h) => offlineCode(keys[h], h, (codeClock += 7));

  const checkA11y = (page, state) => checkPage(AxeBuilder, page, state, axeResults);
  const shoot = (page, name) =>
    shootSizes(
      page,
      [
        [768, 1024],
        [360, 740],
      ],
      (w, h) => path.join(SHOTS, `${name}-${w}x${h}.png`),
    );
  const clientOf = (token) =>
    createPointsClients(
      createConnectTransport({ baseUrl: base, httpVersion: '1.1', interceptors: [bearer(token)] }),
    );
  const committee = () => api['committee-li'];
  const balanceOf = async (h) =>
    (await committee().villages.getHousehold({ village: 1, household: BigInt(h) })).pointsBalance;
  const stockOf = async () =>
    Object.fromEntries(
      (await committee().shops.listItems({ village: 1, shop: SHOP })).items.map((i) => [
        i.item,
        i.stock,
      ]),
    );
  // The ledger's counts for the shop this month, as the committee's report gives them.
  const ledgerCounts = async () => {
    const s = await shopTotal(committee());
    return { baskets: s?.baskets ?? 0n, redeemed: s?.redeemed ?? 0n };
  };
  const setLimits = (limits) =>
    committee().shops.setOfflineLimits({
      village: 1,
      limits: {
        offlineHours: 72,
        householdPoints: 50n,
        householdBaskets: 2,
        terminalPoints: 500n,
        terminalBaskets: 100,
        basketPointsMax: 50n,
        ...limits,
      },
    });

  // A terminal signed in and online, its page controlled by the service worker (which keeps
  // the page for a start without a link) and its catalogue and limits read.
  async function openTerminal(context) {
    const page = await context.newPage();
    await page.goto(`${base}/shop#token=${tokens[`shop-${SHOP}`]}`);
    await page.locator('button.item').first().waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload();
    await page.locator('button.item').first().waitFor();
    return page;
  }
  // One basket sold on an offline code, on the device alone; '' when sold, else the refusal.
  async function sellOffline(page, household, items) {
    for (const name of items) await page.locator('button.item', { hasText: name }).click();
    await page.getByLabel('或输入付款码下面的文字').fill(codeFor(household));
    await page.getByRole('button', { name: '确定' }).click();
    await page.locator('button.sell').click();
    const sold = page.getByTestId('sale-state').filter({ hasText: '离线成交' });
    const refused = page.locator('.banner.problem');
    await sold.or(refused).first().waitFor();
    if (await refused.count()) {
      const why = await refused.innerText();
      await page.getByRole('button', { name: '重新扫' }).click();
      for (const name of items) {
        await page.getByRole('button', { name: `${name}减一` }).click();
      }
      return why;
    }
    await page.getByRole('button', { name: '下一位顾客' }).click();
    return '';
  }
  // The outbox as the page keeps it, oldest first.
  const outboxOf = (page) =>
    page.evaluate(
      () =>
        new Promise((resolve) => {
          indexedDB.open('points-terminal').onsuccess = (e) => {
            const r = e.target.result
              .transaction('sales')
              .objectStore('sales')
              .index('created')
              .getAll();
            r.onsuccess = () =>
              resolve(
                r.result.map((s) => ({ id: s.id, state: s.state, h: s.household, total: s.total })),
              );
          };
        }),
    );
  const synced = (page) =>
    page.waitForFunction(
      () => {
        const list = document.querySelector('.sales')?.textContent ?? '';
        return list !== '' && !list.includes('待上传');
      },
      null,
      { timeout: 60_000, polling: 200 },
    );

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(
      fs.existsSync(path.join(WEB, 'www', 'shop', 'index.html')),
      'clients/web: npm run build',
    );
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-terminal-offline-'));
    // Awards posted a second after they are recorded, none needing a second approval: how
    // households 4 and 5 get their points.
    const flags = ['--notice-seconds', '1', '--review-threshold', '100'];
    server = await startPointsd(POINTSD, dataDir, {
      flags: [...flags, '--web-root', path.join(WEB, 'www')],
    });
    ports = { grpcPort: server.grpcPort, httpPort: server.httpPort };
    base = `http://127.0.0.1:${server.httpPort}`;
    Object.assign(tokens, readDemoTokens(dataDir));
    tokens.admin = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    for (const name of Object.keys(tokens)) api[name] = clientOf(tokens[name]);

    // Households 4 and 5, their apps' principals, and 50 points each (文明家庭, rule 4).
    const nextId = idsFrom(0x19_0500);
    for (const h of [4, 5]) {
      await committee().villages.putHousehold({
        household: { village: 1, household: BigInt(h), name: `${h}号户` },
      });
      const made = await api.admin.admin.createPrincipal({
        principal: {
          name: `household-${h}`,
          role: Role.HOUSEHOLD,
          village: 1,
          household: BigInt(h),
        },
      });
      tokens[`household-${h}`] = made.token;
      api[`household-${h}`] = clientOf(made.token);
      await committee().awards.recordAward({
        award: {
          awardId: nextId(),
          village: 1,
          household: BigInt(h),
          rule: { rule: 4 },
          quantity: 1n,
          note: '文明家庭',
        },
      });
    }
    for (const h of [4, 5]) {
      const deadline = Date.now() + 15_000;
      while ((await balanceOf(h)) < 50n) {
        assert.ok(Date.now() < deadline, `household ${h} never got its points`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Each household's app keeps its offline key from its first payment code.
    for (const h of HOUSEHOLDS) {
      keys[h] = (
        await api[`household-${h}`].shops.issuePaymentCode({ village: 1, household: BigInt(h) })
      ).offlineKey;
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs });
  });

  after(async () => {
    for (const d of profiles) await d.close().catch(() => undefined);
    if (axeResults.length) console.log(`axe: ${JSON.stringify(axeResults)}`);
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds two terminals of one shop offline at once each to its own limits', async () => {
    // At most 3 baskets a terminal offline: each of the two sells 3, and its 4th is refused
    // by itself, whatever the other did.
    await setLimits({ terminalBaskets: 3, householdBaskets: 2 });
    const devices = [];
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext({
        viewport: i ? { width: 360, height: 740 } : { width: 768, height: 1024 },
        locale: 'zh-CN',
      });
      devices.push({ context, page: await openTerminal(context) });
    }
    const balances = { 1: await balanceOf(1), 2: await balanceOf(2) };
    const [before, stock] = [await ledgerCounts(), await stockOf()];
    for (const d of devices) await d.context.setOffline(true);
    for (const d of devices) await d.page.locator('.banner', { hasText: '没有网络' }).waitFor();
    // Interleaved, as two counters serve one queue: households 1 and 2 at both.
    for (const [h, items] of [
      [1, ['肥皂']],
      [2, ['肥皂']],
      [1, ['肥皂']],
    ]) {
      for (const d of devices) assert.equal(await sellOffline(d.page, h, items), '');
    }
    // The 4th basket of each terminal is over its own limit, not the shop's.
    for (const d of devices) {
      const why = await sellOffline(d.page, 2, ['肥皂']);
      assert.match(why, /这台收银台离线收的单已到上限（3单/);
    }
    // A household's own offline limit is per terminal too: household 1 has 2 at each.
    const again = await sellOffline(devices[0].page, 1, ['肥皂']);
    assert.match(again, /这台收银台离线收的单已到上限|每户最多2单/);
    await checkA11y(devices[1].page, 'terminal: second terminal offline, at its limit');
    await shoot(devices[1].page, 'terminal-two-offline');
    for (const d of devices) {
      assert.equal(await d.page.locator('.sales li', { hasText: '离线，待上传' }).count(), 3);
    }

    for (const d of devices) await d.context.setOffline(false);
    for (const d of devices) await synced(d.page);
    for (const d of devices) {
      const outbox = await outboxOf(d.page);
      assert.deepEqual(
        outbox.map((s) => s.state),
        ['done', 'done', 'done'],
      );
    }
    const after = await ledgerCounts();
    assert.equal(after.baskets, before.baskets + 6n, 'six baskets, each once');
    assert.equal(after.redeemed, before.redeemed + 18n);
    assert.equal(await balanceOf(1), balances[1] - 12n);
    assert.equal(await balanceOf(2), balances[2] - 6n);
    assert.equal((await stockOf())[2], stock[2] - 6n);
    for (const d of devices) await d.context.close();
  });

  it('sells 20 baskets of 5 households offline across a device restart, each reaching the ledger once', async () => {
    await setLimits({ householdBaskets: 4, householdPoints: 50n });
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'terminal-profile-'));
    const launch = async () => {
      const d = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: kChromiumArgs,
        viewport: { width: 768, height: 1024 },
        locale: 'zh-CN',
      });
      profiles.push(d);
      return d;
    };
    let device = await launch();
    let page = await openTerminal(device);
    // Four baskets a household, soap and soy sauce in turn: 26 points each, 10 units of each.
    const plan = [];
    for (let round = 0; round < 4; round++) {
      for (const h of HOUSEHOLDS) plan.push([h, plan.length % 2 ? ['酱油'] : ['肥皂']]);
    }
    const due = {};
    for (const [h, [item]] of plan) due[h] = (due[h] ?? 0n) + (item === '酱油' ? 10n : 3n);
    const balances = {};
    for (const h of HOUSEHOLDS) balances[h] = await balanceOf(h);
    const [before, stock] = [await ledgerCounts(), await stockOf()];

    await device.setOffline(true);
    await page.locator('.banner', { hasText: '没有网络' }).waitFor();
    for (const [h, items] of plan.slice(0, 12)) assert.equal(await sellOffline(page, h, items), '');

    // The device restarts while pointsd is down too: the browser closed and started again on
    // the same profile; the service worker opens the page, the outbox holds the 12 baskets.
    await device.close();
    await stopPointsd(server);
    device = await launch();
    await device.setOffline(true);
    page = await device.newPage();
    await page.goto(`${base}/shop`);
    await page.locator('button.item').first().waitFor();
    const queued = page.locator('.sales li', { hasText: '离线，待上传' });
    await queued.first().waitFor();
    assert.equal((await outboxOf(page)).filter((s) => s.state === 'waiting').length, 12);
    for (const [h, items] of plan.slice(12)) assert.equal(await sellOffline(page, h, items), '');
    // A fifth basket of household 1 is over its limit, refused on the device.
    assert.match(await sellOffline(page, 1, ['肥皂']), /每户最多4单/);
    await checkA11y(page, 'terminal: 20 baskets offline after a restart');
    await shoot(page, 'terminal-offline-restarted');
    assert.equal(await ledgerCountsWhileDown(), 'down');

    // pointsd back on its ports, then the link: every basket once, oldest first.
    server = await startPointsd(POINTSD, dataDir, {
      ...ports,
      flags: [
        '--notice-seconds',
        '1',
        '--review-threshold',
        '100',
        '--web-root',
        path.join(WEB, 'www'),
      ],
    });
    await device.setOffline(false);
    await synced(page);
    const outbox = await outboxOf(page);
    assert.equal(outbox.length, 20);
    assert.deepEqual(
      outbox.map((s) => [s.h, s.state]),
      plan.map(([h]) => [h, 'done']),
    );
    const after = await ledgerCounts();
    const shown = (c) => `${c.baskets} baskets, ${c.redeemed} points`;
    console.log(`ledger, shop ${SHOP} this month: before ${shown(before)}; after ${shown(after)}`);
    assert.equal(after.baskets, before.baskets + 20n, 'twenty baskets, each once');
    assert.equal(after.redeemed, before.redeemed + 130n);
    for (const h of HOUSEHOLDS) assert.equal(await balanceOf(h), balances[h] - due[h]);
    const left = await stockOf();
    assert.deepEqual([left[1], left[2]], [stock[1] - 10n, stock[2] - 10n]);
    let last = 0n;
    for (const s of outbox) {
      const b = (
        await committee().shops.getBasket({ village: 1, basketId: Buffer.from(s.id, 'hex') })
      ).basket;
      assert.equal(b.state, BasketState.REDEEMED);
      assert.ok(b.redeemedAt > last, 'redeemed in the order sold');
      last = b.redeemedAt;
    }
    await checkA11y(page, 'terminal: 20 baskets synced');
    await shoot(page, 'terminal-offline-synced');
    await device.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  // While pointsd is down the report cannot be read: the baskets are on the device alone.
  async function ledgerCountsWhileDown() {
    return ledgerCounts().then(
      () => 'up',
      () => 'down',
    );
  }
});
