// The shop's terminal (clients/web/app/terminal) in a real browser: Debian's chromium driven
// headless by playwright-core, against a real `pointsd --demo` serving the bundle. The online
// journeys of issue 19: the shopkeeper signs in from its link, fills a basket from the item
// grid, scans the household's payment code (Chromium's fake camera plays a video of the code,
// drawn here from a code the household's app was issued), the basket is redeemed and its receipt
// prints on a 58 mm slip; a double tap, an answer lost on the way back and a reload while the
// sale waits charge the household once. axe-core checks every state; screenshots at 768x1024
// (a tablet) and 360x740 (a phone) into $WEB_SCREENSHOTS.
//
//   node --test tests/web/terminal_test.mjs    (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = path.join(REPO, 'clients', 'web');
const POINTSD = process.env.POINTSD || path.join(REPO, 'build', 'server', 'pointsd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.WEB_SCREENSHOTS || path.join(REPO, 'build', 'web-screenshots');
// The demo's supermarket: 酱油 10 points, 肥皂 3, 洗衣粉 15, 20 of each at the start.
const SHOP = 1;

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

describe('the shop terminal in chromium', () => {
  let dataDir;
  let server;
  let base;
  let browser;
  let video;
  const tokens = {};
  const api = {};
  const axeResults = [];

  async function checkA11y(page, state) {
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeResults.push({ state, violations: result.violations.length, bad: bad.length });
    assert.deepEqual(
      bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      state,
    );
  }

  // Full-page photographs at a tablet's and a phone's size.
  async function shoot(page, name) {
    const size = page.viewportSize();
    for (const [w, h] of [
      [768, 1024],
      [360, 740],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(50);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`), fullPage: true });
    }
    await page.setViewportSize(size);
  }

  const balanceOf = async (household) =>
    (await api['committee-li'].villages.getHousehold({ village: 1, household: BigInt(household) }))
      .pointsBalance;
  const month = () => {
    const t = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
    }).format(new Date());
    return Number(t.replace('-', ''));
  };
  // The shop's baskets this month as the committee's report counts them.
  const shopBaskets = async () => {
    const r = await api['committee-li'].board.getReport({ village: 1, month: month() });
    return r.shops.find((s) => s.shop === SHOP)?.baskets ?? 0n;
  };
  const codeOf = async (household) =>
    (
      await api[`household-${household}`].shops.issuePaymentCode({
        village: 1,
        household: BigInt(household),
      })
    ).code;

  async function openTerminal(context) {
    const page = await context.newPage();
    await page.goto(`${base}/shop#token=${tokens[`shop-${SHOP}`]}&village=1&shop=${SHOP}`);
    await page.getByRole('heading', { name: '商品' }).waitFor();
    await page.locator('button.item').first().waitFor();
    return page;
  }
  const addItem = (page, name) => page.locator('button.item', { hasText: name }).click();

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
    base = `http://127.0.0.1:${server.httpPort}`;
    for (const name of fs.readdirSync(path.join(dataDir, 'demo-tokens'))) {
      tokens[name] = fs.readFileSync(path.join(dataDir, 'demo-tokens', name), 'utf8').trim();
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
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-gpu',
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
});
