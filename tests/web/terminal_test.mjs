// The shop's terminal (clients/web/app/terminal) in a real browser: Debian's chromium driven
// headless by playwright-core, against a real `pointsd --demo` serving the bundle. The online
// journeys of issue 19: the shopkeeper signs in from its link, fills a basket from the item
// grid, scans the household's payment code (Chromium's fake camera plays a video of the code,
// drawn here from a code the household's app was issued), the basket is redeemed and its receipt
// prints on a 58 mm slip; a double tap, an answer lost on the way back and a reload while the
// sale waits charge the household once. Offline (clients/web/OFFLINE.md): the link drops, the
// household's phone makes an offline code and baskets are sold within the limits (those over a
// limit refused on the device), the page is reloaded and pointsd restarted meanwhile, and when
// the link returns every basket reaches the ledger once, in order, with balances and stock to
// match; a household that spent its points elsewhere meanwhile is the shop's shortfall, on the
// terminal and for the committee. axe-core checks every state; screenshots at 768x1024 (a
// tablet) and 360x740 (a phone) into $WEB_SCREENSHOTS.
//
//   node --test tests/web/terminal_test.mjs    (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  checkA11y as checkPage,
  kChromiumArgs,
  readDemoTokens,
  shoot as shootSizes,
  REPO,
  WEB,
  POINTSD,
  CHROMIUM,
  SHOTS,
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';
import {
  addItem,
  offlineCode,
  openTerminal as openShop,
  paymentCode,
  SHOP,
  shopTotal,
} from './terminal_kit.mjs';

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const { encode } = requireWeb('uqr');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients } = points;

// A video for Chromium's fake camera (y4m, 4:2:0): the QR code of `text`, black on white,
// centred in a 640x480 frame; two identical frames, which Chromium plays in a loop.
function qrVideo(text, file) {
  const [w, h] = [640, 480];
  const qr = encode(text, { ecc: 'M', border: 4 });
  const scale = Math.floor(420 / qr.size);
  const left = Math.floor((w - qr.size * scale) / 2);
  const top = Math.floor((h - qr.size * scale) / 2);
  const luma = Buffer.alloc(w * h, 235);
  for (let y = 0; y < qr.size * scale; y++) {
    for (let x = 0; x < qr.size * scale; x++) {
      if (qr.data[Math.floor(y / scale)][Math.floor(x / scale)])
        luma[(top + y) * w + left + x] = 16;
    }
  }
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F5:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
}

// What the household's app makes offline (app/offline_code.ts): PO1-<v>-<h>-<issued hex>-<mac>.
describe('the shop terminal in chromium', () => {
  let dataDir;
  let server;
  let base;
  let browser;
  let video;
  let ports;
  const tokens = {};
  const api = {};
  const axeResults = [];

  async function checkA11y(page, state) {
    await checkPage(AxeBuilder, page, state, axeResults);
  }

  // Full-page photographs at a tablet's and a phone's size.
  async function shoot(page, name) {
    await shootSizes(
      page,
      [
        [768, 1024],
        [360, 740],
      ],
      (w, h) => path.join(SHOTS, `${name}-${w}x${h}.png`),
    );
  }

  const balanceOf = async (household) =>
    (await api['committee-li'].villages.getHousehold({ village: 1, household: BigInt(household) }))
      .pointsBalance;
  // The shop's baskets this month as the committee's report counts them.
  const shopBaskets = async () => (await shopTotal(api['committee-li']))?.baskets ?? 0n;

  const codeOf = (household) => paymentCode(api[`household-${household}`], household);
  const openTerminal = (context) => openShop(context, base, tokens[`shop-${SHOP}`]);

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(
      fs.existsSync(path.join(WEB, 'www', 'shop', 'index.html')),
      'clients/web: npm run build',
    );
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-terminal-'));
    server = await startPointsd(POINTSD, dataDir, {
      flags: ['--web-root', path.join(WEB, 'www')],
    });
    ports = { grpcPort: server.grpcPort, httpPort: server.httpPort };
    base = `http://127.0.0.1:${server.httpPort}`;
    Object.assign(tokens, readDemoTokens(dataDir));
    for (const name of Object.keys(tokens)) {
      api[name] = createPointsClients(
        createConnectTransport({
          baseUrl: base,
          httpVersion: '1.1',
          interceptors: [bearer(tokens[name])],
        }),
      );
    }
    // The camera shows household 2's code: issued now, it is good for two minutes.
    video = path.join(dataDir, 'paycode.y4m');
    qrVideo(await codeOf(2), video);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...kChromiumArgs,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
  });

  after(async () => {
    if (axeResults.length) console.log(`axe: ${JSON.stringify(axeResults)}`);
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("signs in by the shopkeeper's token alone, and sends others' tokens where they belong", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/shop#token=${tokens['household-2']}`);
    await page.getByText(`这是农户查看自家积分的登录码，请到 ${base}/ 打开。`).waitFor();
    await page.getByLabel('登录码或登录链接').fill('01'.repeat(32));
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByText('这个登录码不对，或者已经停用了，没有登录').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('points.session.shop')), null);
    await page.getByLabel('登录码或登录链接').fill(tokens[`shop-${SHOP}`]);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '商品' }).waitFor();
    const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('points.session.shop')));
    assert.deepEqual([kept.village, kept.shop], [1, SHOP]);
    await context.close();
  });

  it('fills a basket, scans the payment code with the camera, redeems and prints the receipt', async () => {
    const context = await browser.newContext({
      viewport: { width: 768, height: 1024 },
      locale: 'zh-CN',
    });
    await context.grantPermissions(['camera'], { origin: base });
    const page = await openTerminal(context);
    const soy = page.locator('button.item', { hasText: '酱油' });
    assert.match(await soy.innerText(), /10 积分/);
    assert.match(await soy.innerText(), /库存 20/);
    assert.doesNotMatch(await page.locator('main').innerText(), /soy sauce|Bearer|[0-9a-f]{16}/);
    await checkA11y(page, 'terminal: empty');
    await shoot(page, 'terminal-empty');

    await addItem(page, '肥皂');
    await addItem(page, '肥皂');
    await addItem(page, '酱油');
    assert.equal(await page.getByTestId('total').innerText(), '16');
    await page.getByRole('button', { name: '扫付款码' }).click();
    await page.getByTestId('payer').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('payer').innerText(), '2');
    await checkA11y(page, 'terminal: basket and code');
    await shoot(page, 'terminal-basket');

    const [before, baskets] = [await balanceOf(2), await shopBaskets()];
    await page.getByRole('button', { name: '收 16 积分' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    assert.equal(await balanceOf(2), before - 16n);
    assert.equal(await shopBaskets(), baskets + 1n);
    const receipt = await page.locator('.receipt').innerText();
    assert.match(receipt, /合计 16 积分/);
    assert.match(receipt, /户号 2/);
    assert.match(receipt, /单号 [0-9A-F]{4}-[0-9A-F]{4}/);
    assert.match(receipt, /\d+年\d+月\d+日 \d\d:\d\d/);
    await checkA11y(page, 'terminal: sold');
    await shoot(page, 'terminal-sold');

    // The 58 mm slip: only the receipt, on a narrow page.
    await page.emulateMedia({ media: 'print' });
    const pdf = path.join(dataDir, 'receipt.pdf');
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    assert.match(text, /积分兑换小票/);
    assert.match(text, /肥皂/);
    assert.match(text, /16/);
    assert.doesNotMatch(text, /商品\s*$|下一位顾客|最近的单/m);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const width = Number(/Page size:\s+([\d.]+) x/.exec(info)[1]); // points, 1/72 inch
    assert.ok(Math.abs(width - (58 / 25.4) * 72) < 3, `receipt page ${width} pt wide`);

    // Sold out, the stock on the grid follows.
    await page.getByRole('button', { name: '下一位顾客' }).click();
    await page.locator('button.item', { hasText: '库存 19' }).waitFor();
    await context.close();
  });

  it('charges once through a double tap, a lost answer and a reload while waiting', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
    });
    let page = await openTerminal(context);
    const seen = []; // the basket id of every RedeemBasket the page sent
    let lose = 2; // the first answers are lost on the way back: the server did redeem
    await context.route('**/points.v1.ShopService/RedeemBasket', async (route) => {
      seen.push(JSON.parse(route.request().postData()).basket.basketId);
      const response = await route.fetch();
      if (lose-- > 0) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await addItem(page, '洗衣粉');
    await page.getByLabel('或输入付款码下面的文字').fill(await codeOf(3));
    await page.getByRole('button', { name: '确定' }).click();
    assert.equal(await page.getByTestId('payer').innerText(), '3');
    const [before, baskets] = [await balanceOf(3), await shopBaskets()];
    await page.getByRole('button', { name: '收 15 积分' }).dblclick();
    await page.getByTestId('sale-state').filter({ hasText: '等待回复' }).waitFor();
    await checkA11y(page, 'terminal: waiting');
    await shoot(page, 'terminal-waiting');
    // Reloaded while the sale waits (its first answer lost): the outbox sends it again.
    while (seen.length < 1) await page.waitForTimeout(50);
    await page.reload();
    await page.getByRole('heading', { name: '商品' }).waitFor();
    await page.locator('.sales', { hasText: '成功' }).waitFor({ timeout: 15_000 });
    assert.equal(await balanceOf(3), before - 15n);
    assert.equal(await shopBaskets(), baskets + 1n);
    assert.ok(seen.length >= 3, `${seen.length} sends`);
    assert.equal(new Set(seen).size, 1, 'every send of the sale carries its one basket id');
    await context.unroute('**/points.v1.ShopService/RedeemBasket');

    // A code used twice is refused in words, and nothing is charged.
    await page.locator('.sales button').first().click();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    await page.getByRole('button', { name: '下一位顾客' }).click();
    await addItem(page, '肥皂');
    const used = await codeOf(3);
    await api['shop-1'].shops.redeemBasket({
      basket: {
        basketId: crypto.getRandomValues(new Uint8Array(16)),
        village: 1,
        shop: SHOP,
        household: 3n,
        lines: [{ item: 2, quantity: 1n }],
      },
      consent: { paymentCode: used },
    });
    const spent = await balanceOf(3);
    await page.getByLabel('或输入付款码下面的文字').fill(used);
    await page.getByRole('button', { name: '确定' }).click();
    await page.getByRole('button', { name: '收 3 积分' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '没有成交' }).waitFor();
    assert.match(await page.getByTestId('sale-words').innerText(), /付款码.*已经用过/);
    assert.equal(await balanceOf(3), spent);
    await checkA11y(page, 'terminal: refused');
    await shoot(page, 'terminal-refused');
    await context.close();
  });
  it('sells offline within the limits and syncs every basket once when the link returns', async () => {
    const shop = api['shop-1'].shops;
    const stockOf = async () =>
      Object.fromEntries(
        (await shop.listItems({ village: 1, shop: SHOP })).items.map((i) => [i.item, i.stock]),
      );
    const context = await browser.newContext({
      viewport: { width: 768, height: 1024 },
      locale: 'zh-CN',
    });
    let page = await openTerminal(context);
    // The service worker takes the page, so that it opens without a link.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload();
    await page.locator('button.item').first().waitFor();
    assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)));

    // Household 1's phone: a code online (its app keeps the offline key), then the link drops.
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
    });
    const home = await phone.newPage();
    await home.goto(`${base}/#token=${tokens['household-1']}`);
    await home.getByRole('button', { name: '出示付款码' }).click();
    await home.getByLabel('付款码文字').filter({ hasText: 'PC1-' }).waitFor();
    const keys = {};
    for (const h of [2, 3]) {
      keys[h] = (
        await api[`household-${h}`].shops.issuePaymentCode({ village: 1, household: BigInt(h) })
      ).offlineKey;
    }
    const balances = {};
    for (const h of [1, 2, 3]) balances[h] = await balanceOf(h);
    const [stock, baskets] = [await stockOf(), await shopBaskets()];

    await context.setOffline(true);
    await phone.setOffline(true);
    await page.locator('.banner', { hasText: '没有网络' }).waitFor();
    // A new offline code on the phone: its app makes one when it cannot reach the server (a
    // tap while an earlier request still waits on the dropped link is ignored: tap again).
    const phoneCode = async () => {
      const old = await home.locator('.code-text').innerText();
      for (let tries = 0; ; tries++) {
        await home.getByRole('button', { name: '换一个' }).click();
        const made = await home
          .waitForFunction(
            (was) => {
              const text = document.querySelector('.code-text')?.textContent ?? '';
              return text.startsWith('PO1-') && text !== was;
            },
            old,
            { timeout: 3000 },
          )
          .then(
            () => true,
            () => false,
          );
        if (made) break;
        assert.ok(tries < 15, 'the phone made no offline code');
      }
      await home.locator('.offline-code').waitFor();
      return home.locator('.code-text').innerText();
    };
    const sell = async (household, items, code) => {
      for (const name of items) await addItem(page, name);
      await page.getByLabel('或输入付款码下面的文字').fill(code);
      await page.getByRole('button', { name: '确定' }).click();
      await page.locator('button.sell').click();
    };
    const sold = async () => {
      await page.getByTestId('sale-state').filter({ hasText: '离线成交' }).waitFor();
      await page.getByRole('button', { name: '下一位顾客' }).click();
    };
    // Within the limits: 2 baskets for households 1 and 2, 1 for household 3.
    const plan = [
      [1, ['肥皂', '肥皂']], // 6
      [2, ['酱油']], // 10
      [3, ['洗衣粉']], // 15, whose points are spent elsewhere meanwhile
      [1, ['酱油', '肥皂']], // 13
      [2, ['洗衣粉', '肥皂']], // 18
    ];
    for (const [h, items] of plan) {
      await sell(h, items, h === 1 ? await phoneCode() : offlineCode(keys[h], h));
      await sold();
    }
    await checkA11y(page, 'terminal: offline');
    await checkA11y(home, 'household: offline code');
    await shoot(home, 'household-offline-code');
    // Over a limit, refused on the device: a third basket of household 1, a basket above 50
    // points, an online code.
    await sell(1, ['肥皂'], await phoneCode());
    await page.locator('.banner.problem', { hasText: '每户最多2单' }).waitFor();
    await page.getByRole('button', { name: '重新扫' }).click();
    for (let i = 0; i < 4; i++) await addItem(page, '洗衣粉'); // 3 + 60 = 63 points
    await page.getByLabel('或输入付款码下面的文字').fill(offlineCode(keys[2], 2));
    await page.getByRole('button', { name: '确定' }).click();
    await page.locator('button.sell').click();
    await page.locator('.banner.problem', { hasText: '一单最多50积分' }).waitFor();
    await page.getByRole('button', { name: '重新扫' }).click();
    await page.getByLabel('或输入付款码下面的文字').fill(await codeOf(2));
    await page.getByRole('button', { name: '确定' }).click();
    await page.locator('button.sell').click();
    await page.locator('.banner.problem', { hasText: '离线付款码' }).waitFor();
    await shoot(page, 'terminal-offline-refused');

    // Reloaded without a link: the service worker's page, the outbox's five baskets.
    await page.reload();
    await page.locator('button.item').first().waitFor();
    const queued = page.locator('.sales li', { hasText: '离线，待上传' });
    await queued.nth(4).waitFor();
    assert.equal(await queued.count(), 5);
    await shoot(page, 'terminal-offline');

    // Meanwhile household 3 spends its points at the partner shop, and pointsd restarts.
    // Enough towels (5 points) to leave it less than the 15 its offline basket needs.
    const towels = balances[3] >= 15n ? Number((balances[3] - 14n + 4n) / 5n) : 1;
    await api['committee-li'].shops.restock({
      village: 1,
      shop: 2,
      item: 2,
      restockId: crypto.getRandomValues(new Uint8Array(16)),
      quantity: BigInt(towels),
    });
    await api['shop-2'].shops.redeemBasket({
      basket: {
        basketId: crypto.getRandomValues(new Uint8Array(16)),
        village: 1,
        shop: 2,
        household: 3n,
        lines: [{ item: 2, quantity: BigInt(towels) }],
      },
      consent: { paymentCode: await codeOf(3) },
    });
    const left3 = await balanceOf(3);
    assert.ok(left3 < 15n, `household 3 keeps ${left3}`);
    await stopPointsd(server);
    server = await startPointsd(POINTSD, dataDir, {
      ...ports,
      flags: ['--web-root', path.join(WEB, 'www')],
    });

    // The link returns: every basket once, oldest first.
    await context.setOffline(false);
    await page.waitForFunction(
      () => !document.querySelector('.sales')?.textContent.includes('待上传'),
      null,
      { timeout: 30_000, polling: 200 },
    );
    const outbox = await page.evaluate(
      () =>
        new Promise((resolve) => {
          indexedDB.open('points-terminal').onsuccess = (e) => {
            const r = e.target.result
              .transaction('sales')
              .objectStore('sales')
              .index('created')
              .getAll();
            r.onsuccess = () =>
              resolve(r.result.map((s) => ({ id: s.id, state: s.state, h: s.household })));
          };
        }),
    );
    assert.deepEqual(
      outbox.map((s) => [s.h, s.state]),
      [
        [1, 'done'],
        [2, 'done'],
        [3, 'refused'],
        [1, 'done'],
        [2, 'done'],
      ],
    );
    assert.equal(await balanceOf(1), balances[1] - 19n);
    assert.equal(await balanceOf(2), balances[2] - 28n);
    assert.equal(await balanceOf(3), left3, 'household 3 short: nothing taken');
    assert.equal(await shopBaskets(), baskets + 4n, 'four baskets reached the ledger, once each');
    const after = await stockOf();
    assert.deepEqual([after[1], after[2], after[3]], [stock[1] - 2n, stock[2] - 4n, stock[3] - 1n]);
    let last = 0n;
    for (const s of outbox.filter((x) => x.state === 'done')) {
      const b = (await shop.getBasket({ village: 1, basketId: Buffer.from(s.id, 'hex') })).basket;
      assert.ok(b.redeemedAt > last, 'redeemed in the order sold');
      last = b.redeemedAt;
    }
    // The shortfall: on the terminal and for the committee.
    await page.getByTestId('shortfall-count').filter({ hasText: '1' }).waitFor();
    assert.match(
      await page.locator('.shortfalls').innerText(),
      /户号3 15积分 · 这户的积分已在别处用掉/,
    );
    const committee = (await api['committee-li'].shops.listItems({ village: 1, shop: SHOP }))
      .offlineShortfalls;
    assert.deepEqual(
      committee.map((s) => [s.household, s.points]),
      [[3n, 15n]],
    );
    await checkA11y(page, 'terminal: synced, a shortfall');
    await shoot(page, 'terminal-synced');
    await phone.close();
    await context.close();
  });
});
