// The shop terminal's day (clients/web/app/terminal) in a real browser: Debian's chromium driven
// headless by playwright-core, against a real `pointsd --demo` serving the bundle. One terminal
// (one browser context, its outbox) works through issue 19's day: a return, a basket found by
// the number on its receipt and taken back whole, once, through a lost answer and a reload; a
// member's cash sale with the shop's discount and micro-fund levy, recorded once; a card
// number and PIN on the on-screen keypad, the PIN checked by pointsd; and the end
// of the day's summary, figure for figure the committee's report (GetReport) of the shop.
// axe-core checks every state; screenshots at 768x1024 (a tablet) and 360x740 (a phone) into
// $WEB_SCREENSHOTS.
//
//   node --test tests/web/terminal_day_test.mjs    (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
  WEB,
  POINTSD,
  CHROMIUM,
  SHOTS,
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';
import {
  addItem,
  openTerminal as openShop,
  paymentCode,
  SHOP,
  shopTotal,
} from './terminal_kit.mjs';

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients } = points;

describe("the shop terminal's returns, cash sales and day in chromium", () => {
  let dataDir;
  let server;
  let base;
  let browser;
  let context; // the shop's terminal: one device, its outbox kept across the tests
  let page;
  const tokens = {};
  const api = {};
  const axeResults = [];

  const checkA11y = (page, state) => checkPage(AxeBuilder, page, state, axeResults);
  // Full-page photographs at a tablet's and a phone's size.
  const shoot = (page, name) =>
    shootSizes(
      page,
      [
        [768, 1024],
        [360, 740],
      ],
      (w, h) => path.join(SHOTS, `${name}-${w}x${h}.png`),
    );

  const balanceOf = async (household) =>
    (await api['committee-li'].villages.getHousehold({ village: 1, household: BigInt(household) }))
      .pointsBalance;
  const stockOf = async (item) =>
    (await api['shop-1'].shops.listItems({ village: 1, shop: SHOP })).items.find(
      (i) => i.item === item,
    ).stock;
  // The shop's month as the committee's report counts it.
  const shopReport = () => shopTotal(api['committee-li']);

  const codeOf = (household) => paymentCode(api[`household-${household}`], household);
  const openTerminal = (context) => openShop(context, base, tokens[`shop-${SHOP}`]);
  // A basket on a typed payment code, redeemed; answers its number as the receipt prints it.
  async function sellOnCode(page, household, items, total) {
    for (const name of items) await addItem(page, name);
    await page.getByLabel('或输入付款码下面的文字').fill(await codeOf(household));
    await page.getByRole('button', { name: '确定' }).click();
    await page.getByRole('button', { name: `收 ${total} 积分` }).click();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    const number = /单号 ([0-9A-F]{4}-[0-9A-F]{4})/.exec(
      await page.locator('.receipt').innerText(),
    )[1];
    await page.getByRole('button', { name: '下一位顾客' }).click();
    return number;
  }

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(
      fs.existsSync(path.join(WEB, 'www', 'shop', 'index.html')),
      'clients/web: npm run build',
    );
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-terminal-day-'));
    server = await startPointsd(POINTSD, dataDir, {
      flags: ['--web-root', path.join(WEB, 'www')],
    });
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
    browser = await chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs });
    context = await browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'zh-CN' });
    page = await openTerminal(context);
  });

  after(async () => {
    await context?.close();
    if (axeResults.length) console.log(`axe: ${JSON.stringify(axeResults)}`);
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("returns a basket by its receipt's number, once through a lost answer and a reload", async () => {
    const [balance, soap, soy] = [await balanceOf(2), await stockOf(2), await stockOf(1)];
    const number = await sellOnCode(page, 2, ['肥皂', '肥皂', '酱油'], 16);
    assert.equal(await balanceOf(2), balance - 16n);
    const before = await shopReport();

    // A number this terminal never sold is refused in words.
    await page.getByLabel('小票上的单号').fill('0000-0000');
    await page.getByRole('button', { name: '查找这一单' }).click();
    await page.locator('.banner.problem', { hasText: '没有这个单号' }).waitFor();
    // The receipt's number, typed without the dash and in small letters.
    await page.getByLabel('小票上的单号').fill(number.replace('-', '').toLowerCase());
    await page.getByRole('button', { name: '查找这一单' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    await page.getByRole('button', { name: '退货', exact: true }).click();
    await page.getByText('整单退货：户号 2 的 16 积分全部退回').waitFor();
    await checkA11y(page, 'terminal: return asked');
    await shoot(page, 'terminal-return-ask');

    // The first answer is lost on its way back (the server did return the basket); the page
    // is reloaded while the return waits; the outbox sends it again under the same id.
    const seen = [];
    let lose = 1;
    await context.route('**/points.v1.ShopService/ReturnBasket', async (route) => {
      seen.push(JSON.parse(route.request().postData()).basketId);
      const response = await route.fetch();
      if (lose-- > 0) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await page.getByRole('button', { name: '确认退货' }).dblclick();
    await page.getByTestId('sale-state').filter({ hasText: '退货已发出' }).waitFor();
    while (seen.length < 1) await page.waitForTimeout(50);
    await page.reload();
    await page.locator('.sales', { hasText: '已退货' }).waitFor({ timeout: 15_000 });
    assert.ok(seen.length >= 2, `${seen.length} sends`);
    assert.equal(new Set(seen).size, 1, 'every send of the return carries the basket id');
    await context.unroute('**/points.v1.ShopService/ReturnBasket');

    assert.equal(await balanceOf(2), balance, 'the 16 points back, once');
    assert.deepEqual([await stockOf(2), await stockOf(1)], [soap, soy]);
    const after = await shopReport();
    assert.equal(after.returns, before.returns + 1n);
    assert.equal(after.returned, before.returned + 16n);
    assert.equal(after.baskets, before.baskets);

    // The returned sale says so, and offers no second return.
    await page.locator('.sales button', { hasText: '已退货' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '已退货' }).waitFor();
    assert.match(await page.locator('.sale').innerText(), /16 积分已退回户号 2/);
    assert.equal(await page.getByRole('button', { name: '退货', exact: true }).count(), 0);
    assert.equal(await page.locator('.sale .receipt').count(), 0);
    await checkA11y(page, 'terminal: returned');
    await shoot(page, 'terminal-returned');
    await page.getByRole('button', { name: '下一位顾客' }).click();
  });

  it("records a member's cash sale once, with the shop's discount and levy shown", async () => {
    // The committee's terms for the supermarket: members 10 % off (9折), 5 % into the fund.
    await api['committee-li'].shops.setShopTerms({
      village: 1,
      shop: SHOP,
      discountBp: 1000,
      levyBp: 500,
    });
    await page.reload(); // the catalogue with its cash prices
    await page.locator('button.item', { hasText: '现金 12元' }).waitFor();
    const before = await shopReport();
    const balance = await balanceOf(3);
    await addItem(page, '酱油');
    await addItem(page, '酱油');
    await addItem(page, '肥皂');
    assert.equal(await page.getByTestId('cash-list').innerText(), '28元');

    // Not a member: refused in words, nothing recorded.
    await page.getByLabel('会员户号').fill('99');
    await page.getByRole('button', { name: '按会员价记现金账' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '没有成交' }).waitFor();
    assert.match(await page.getByTestId('sale-words').innerText(), /不是本村积分超市的会员户/);
    await page.getByRole('button', { name: '这些商品重新结算' }).click();

    // Household 3, the first answer lost on its way back: a double tap and the resend are one
    // sale (one sale id), recorded once.
    const seen = [];
    let lose = 1;
    await context.route('**/points.v1.ShopService/RecordCashSale', async (route) => {
      seen.push(JSON.parse(route.request().postData()).saleId);
      const response = await route.fetch();
      if (lose-- > 0) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await page.getByLabel('会员户号').fill('3');
    await checkA11y(page, 'terminal: cash sale');
    await shoot(page, 'terminal-cash');
    await page.getByRole('button', { name: '按会员价记现金账' }).dblclick();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor({ timeout: 15_000 });
    await context.unroute('**/points.v1.ShopService/RecordCashSale');
    assert.ok(seen.length >= 2, `${seen.length} sends`);
    assert.equal(new Set(seen).size, 1, 'every send of the sale carries its one id');
    // 2800 fen list, 280 off: 2520 paid, 5 % of it (126 fen) into the micro-fund.
    assert.equal(await page.getByTestId('cash-paid').innerText(), '25.20元');
    assert.equal(await page.getByTestId('cash-levy').innerText(), '1.26元');
    const words = await page.locator('.cash-answer').innerText();
    assert.match(words, /户号 3 按会员价，请收现金 25.20元/);
    assert.match(words, /原价 28元，会员9折，优惠2.80元/);
    assert.match(words, /实收的5%/);
    assert.doesNotMatch(await page.locator('main').innerText(), /[0-9a-f]{16}|bp|fen/);
    const after = await shopReport();
    assert.equal(after.cashSalesFen, before.cashSalesFen + 2520n, 'one sale recorded');
    assert.equal(after.levyFen, before.levyFen + 126n);
    assert.equal(await balanceOf(3), balance, 'cash: no points taken');
    await checkA11y(page, 'terminal: cash recorded');
    await shoot(page, 'terminal-cash-recorded');
    await page.getByRole('button', { name: '下一位顾客' }).click();
    assert.match(await page.locator('.sales').innerText(), /户号3 现金25.20元 · 成功/);

    // Without a link the member's price cannot be recorded: the terminal says so.
    await context.setOffline(true);
    await addItem(page, '肥皂');
    await page.locator('.cash .banner', { hasText: '没有网络' }).waitFor();
    assert.ok(await page.getByRole('button', { name: '按会员价记现金账' }).isDisabled());
    await context.setOffline(false);
    await page.getByRole('button', { name: '肥皂减一' }).click();
  });

  it('takes a card number and PIN on the on-screen keypad, the PIN checked by the server', async () => {
    const { cardNumber } = await api['committee-li'].shops.issueCard({
      village: 1,
      household: 1n,
      pin: '2468',
    });
    const balance = await balanceOf(1);
    const key = (digits) =>
      [...digits].reduce(
        (p, d) =>
          p.then(() =>
            page.locator('.keypad-keys').getByRole('button', { name: d, exact: true }).click(),
          ),
        Promise.resolve(),
      );
    const payByCard = async (pin) => {
      await page.getByRole('button', { name: '用卡付款' }).click();
      await key('1');
      await page.getByRole('button', { name: '下一步' }).click();
      await key(cardNumber);
      await page.getByRole('button', { name: '下一步' }).click();
      await key(pin);
      assert.equal(await page.getByTestId('keypad-shown').innerText(), '●'.repeat(pin.length));
    };
    await addItem(page, '肥皂');
    await payByCard('1357');
    await checkA11y(page, 'terminal: card keypad');
    await shoot(page, 'terminal-card-keypad');
    await page.getByRole('button', { name: '确认密码' }).click();
    assert.equal(await page.getByTestId('payer').innerText(), '1');
    await page.locator('.payer', { hasText: '的卡号和密码已输入' }).waitFor();
    // A wrong PIN: refused in words with the attempts left, nothing taken.
    await page.getByRole('button', { name: '收 3 积分' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '没有成交' }).waitFor();
    assert.match(await page.getByTestId('sale-words').innerText(), /密码不对，还可以再试4次/);
    assert.equal(await balanceOf(1), balance);
    await checkA11y(page, 'terminal: wrong PIN');
    await page.getByRole('button', { name: '这些商品重新结算' }).click();
    // Offline, a card cannot pay: its PIN is the server's to check.
    await context.setOffline(true);
    await payByCard('2468');
    await page.getByRole('button', { name: '确认密码' }).click();
    await page.getByRole('button', { name: '收 3 积分' }).click();
    await page.locator('.banner.problem', { hasText: '不能用卡付款' }).waitFor();
    await context.setOffline(false);
    await page.locator('main > .banner.offline').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '收 3 积分' }).click();
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    assert.equal(await balanceOf(1), balance - 3n);
    // The PIN is not kept on the device once the answer is known.
    const pins = await page.evaluate(
      () =>
        new Promise((resolve) => {
          indexedDB.open('points-terminal').onsuccess = (e) => {
            const r = e.target.result.transaction('sales').objectStore('sales').getAll();
            r.onsuccess = () =>
              resolve(r.result.filter((s) => 'pin' in s && s.pin !== undefined).length);
          };
        }),
    );
    assert.equal(pins, 0, 'no PIN left in the outbox');
    await page.getByRole('button', { name: '下一位顾客' }).click();
  });

  // Last: the day's summary on the screen against the committee's report of the month, which
  // holds only what this terminal sold (a fresh demo, every sale of shop 1 made here today).
  it("shows the end of the day's baskets, points, cash and levy as GetReport counts them", async () => {
    await sellOnCode(page, 1, ['酱油'], 10);
    const day = page.locator('.day');
    await day.scrollIntoViewIfNeeded();
    const r = await shopReport();
    const shown = async (id) => (await page.getByTestId(id).innerText()).trim();
    assert.ok(
      r.baskets >= 2n && r.returns >= 1n && r.cashSalesFen > 0n,
      JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.equal(await shown('day-baskets'), String(r.baskets));
    assert.equal(await shown('day-points'), String(r.redeemed));
    assert.equal(await shown('day-returns'), String(r.returns));
    assert.equal(await shown('day-returned'), String(r.returned));
    assert.equal(await shown('day-net'), String(r.net));
    const yuan = (fen) =>
      fen % 100n === 0n
        ? `${fen / 100n}元`
        : `${fen / 100n}.${String(fen % 100n).padStart(2, '0')}元`;
    assert.equal(await shown('day-cash'), yuan(r.cashSalesFen));
    assert.equal(await shown('day-levy'), yuan(r.levyFen));
    assert.match(await day.innerText(), /今天的账（\d+月\d+日）/);
    await checkA11y(page, 'terminal: day summary');
    await shoot(page, 'terminal-day');
  });
});
