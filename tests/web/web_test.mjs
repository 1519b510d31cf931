// The web app (clients/web/app) in a real browser: Debian's chromium driven headless by
// playwright-core, against a real `pointsd --demo` on free ports serving the bundle
// (--web-root clients/web/www). The journeys of issue 17: a household signs in and sees its
// balance; awards recorded by another client appear on its page and on the notice board while
// both are open; it objects and the board flags the award; after the window the balance rises
// without a reload; the payment code shows and refreshes; a task is claimed, completed and
// rated, and so is a redemption; elder mode enlarges and reads aloud;
// another household's data is never shown; the network drops and returns and nothing is
// missed; the passbook and the board print on A4. axe-core checks every page and state; every
// page is photographed at 360x740 and 1920x1080 into $WEB_SCREENSHOTS (build/web-screenshots).
//
//   node --test tests/web/web_test.mjs       (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  idsFrom,
} from './browser_kit.mjs';
import { startPointsd as start, stopPointsd } from '../testing/pointsd.mjs';

// Long enough to object in, short enough to wait for.
const NOTICE_SECONDS = 20;
// A change reaches an open page over its WatchAccounts stream within this (its poll is 30 s).
const LIVE_MS = 5000;
const startPointsd = (dataDir) =>
  start(POINTSD, dataDir, {
    flags: [
      '--notice-seconds',
      String(NOTICE_SECONDS),
      '--review-threshold',
      '20',
      '--web-root',
      path.join(WEB, 'www'),
    ],
  });

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients, Category } = points;

const nextId = idsFrom(0x5eb00);

describe('the web app in chromium', () => {
  let dataDir;
  let server;
  let base;
  let browser;
  const tokens = {};
  const api = {}; // Node clients by principal, over Connect
  const axeResults = [];
  let hall; // one context: household 1's phone and the board, so a drop takes both
  let home; // household 1's page
  let board; // the notice board

  // A household's link is its token alone (the page asks the server whose it is); the board's
  // names its village.
  const link = (who, page = '/') =>
    `${base}${page}#token=${tokens[who]}${page === '/board' ? '&village=1' : ''}`;
  const stored = (page) => page.evaluate(() => localStorage.getItem('points.session.household'));

  // Every page and state: no serious or critical violation of WCAG 2.2 AA.
  async function checkA11y(page, state) {
    await checkPage(AxeBuilder, page, state, axeResults);
  }

  // A full-page photograph at a phone's and at the village hall screen's size.
  async function shoot(page, name) {
    await shootSizes(
      page,
      [
        [360, 740],
        [1920, 1080],
      ],
      (w, h) => path.join(SHOTS, `${name}-${w}x${h}.png`),
    );
  }

  async function award(household, rule, quantity, note) {
    const r = await api['committee-li'].awards.recordAward({
      award: {
        awardId: nextId(),
        village: 1,
        household: BigInt(household),
        rule: { rule },
        quantity: BigInt(quantity),
        note,
      },
    });
    return r.award;
  }

  const balanceOf = async (household) =>
    (
      await api['committee-li'].villages.getHousehold({
        village: 1,
        household: BigInt(household),
      })
    ).pointsBalance;
  // The page shows `want` within LIVE_MS of the server having it: by the live stream, not by
  // the page's slow poll.
  async function showsBalance(page, household, want) {
    const deadline = Date.now() + (NOTICE_SECONDS + 8) * 1000;
    while ((await balanceOf(household)) !== want) {
      assert.ok(Date.now() < deadline, `household ${household} never reached ${want}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.waitForFunction(
      (w) => document.querySelector('[data-testid=balance]')?.textContent.replace(/\D/g, '') === w,
      String(want),
      { timeout: LIVE_MS, polling: 100 },
    );
  }
  const shown = (page) =>
    page
      .getByTestId('balance')
      .innerText()
      .then((t) => BigInt(t.replace(/\D/g, '')));

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(fs.existsSync(path.join(WEB, 'www', 'index.html')), 'clients/web: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-web-'));
    [server, browser] = await Promise.all([
      startPointsd(dataDir),
      chromium.launch({
        executablePath: CHROMIUM,
        args: kChromiumArgs,
      }),
    ]);
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
    hall = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
    });
    // Headless chromium has no voices: record what would be said.
    await hall.addInitScript(() => {
      window.__spoken = [];
      speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang });
    });
  });

  after(async () => {
    if (axeResults.length) console.log(`axe: ${JSON.stringify(axeResults)}`);
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs a household in from its link or a pasted token, and shows its balance', async () => {
    const fresh = await browser.newContext({
      viewport: { width: 360, height: 740 },
    });
    const page = await fresh.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: '登录我家的积分' }).waitFor();
    await checkA11y(page, 'sign-in');
    await page.getByLabel('登录码或登录链接').fill('12345');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByText('登录码不对').waitFor();
    await checkA11y(page, 'sign-in, a wrong code');
    await shoot(page, 'signin');
    // A shopkeeper's token is sent to the shop's page, and a token the server does not know
    // signs nobody in: each said in words, nothing kept on the device.
    assert.equal(await page.getByLabel('户号').count(), 0, 'the token alone signs in');
    await page.getByLabel('登录码或登录链接').fill(tokens['shop-1']);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByText(`这是商店收银的登录码，请到 ${base}/shop 打开。`).waitFor();
    assert.equal(await stored(page), null);
    await checkA11y(page, "sign-in, a shopkeeper's token");
    await shoot(page, 'signin-wrong-page');
    await page.getByLabel('登录码或登录链接').fill('ab'.repeat(32));
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByText('这个登录码不对，或者已经停用了，没有登录').waitFor();
    assert.equal(await stored(page), null);
    await page.goto(link('committee-li'));
    await page.getByText(`这是村委会、网格员工作台的登录码，请到 ${base}/console 打开。`).waitFor();
    assert.equal(await stored(page), null);
    assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    // The token alone, pasted: the server says whose household it is.
    await page.getByLabel('登录码或登录链接').fill(tokens['household-3']);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: /东山村 · 王家/ }).waitFor();
    assert.equal(await shown(page), await balanceOf(3));
    assert.equal(JSON.parse(await stored(page)).household, 3);
    await fresh.close();

    home = await hall.newPage();
    await home.goto(link('household-1'));
    await home.getByRole('heading', { name: /东山村 · 张家/ }).waitFor();
    assert.equal(await shown(home), await balanceOf(1));
    assert.equal(new URL(home.url()).hash, '', 'the token is taken out of the address bar');
    await home.reload();
    await home.getByRole('heading', { name: /东山村 · 张家/ }).waitFor(); // kept on the device
    await checkA11y(home, 'household');
  });

  it('asks the server once about a session an older page kept, and signs a dead one out', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await phone.newPage();
    await page.goto(`${base}/`);
    const keep = (session) =>
      page.evaluate(
        (s) => localStorage.setItem('points.session.household', JSON.stringify(s)),
        session,
      );
    // Stored from an older link that named household 1 beside household 2's token.
    await keep({ token: tokens['household-2'], village: 1, household: 1 });
    await page.reload();
    await page.getByRole('heading', { name: /东山村 · 李家/ }).waitFor();
    assert.deepEqual(JSON.parse(await stored(page)), {
      token: tokens['household-2'],
      village: 1,
      household: 2,
      checked: true,
    });
    // A kept token the server no longer knows: signed out, and said why.
    await keep({ token: 'cd'.repeat(32), village: 1, household: 1 });
    await page.reload();
    await page.getByRole('heading', { name: '登录我家的积分' }).waitFor();
    await page.getByText('这个登录码不对，或者已经停用了').waitFor();
    assert.equal(await stored(page), null);
    await phone.close();
  });

  let held; // the award household 1 objects to
  let posted; // the one it lets post
  let before1;
  it('shows awards recorded by another client on the household page and the board', async () => {
    board = await hall.newPage();
    await board.goto(link('auditor', '/board'));
    await board.getByRole('heading', { name: '东山村 积分公示栏' }).waitFor();
    await home.evaluate(() => (window.__sameLoad = true));
    before1 = await balanceOf(1);
    held = await award(1, 3, 1, '门前堆放杂物未清');
    posted = await award(1, 2, 3, '帮助修路三小时');
    for (const note of [held.note, posted.note]) {
      await home.getByTestId('my-notice').filter({ hasText: note }).waitFor();
      await board.getByTestId('board-notice').filter({ hasText: note }).waitFor();
    }
    const row = board.getByTestId('board-notice').filter({ hasText: posted.note });
    assert.match(await row.innerText(), /张\*.*\+6分/s); // masked as the server gives it
    assert.match(await row.innerText(), /还剩\d+秒/);
    assert.match(await home.getByText(/另有 \+11 分正在公示/).innerText(), /\+11/);
    await checkA11y(board, 'board');
  });

  it('objects with a reason, and the board flags the award', async () => {
    const item = home.getByTestId('my-notice').filter({ hasText: held.note });
    await item.getByRole('button', { name: '我有异议' }).click();
    await checkA11y(home, 'household, objecting');
    await item.getByLabel(/请写明理由/).fill('门前杂物是邻居家的');
    await item.getByRole('button', { name: '提交异议' }).click();
    await home.getByText('异议已提交').waitFor();
    await item.getByText('已有异议').waitFor();
    await board
      .getByTestId('board-notice')
      .filter({ hasText: held.note })
      .getByText('有异议，暂缓入账')
      .waitFor();
    const { award: got } = await api['committee-li'].awards.getAward({
      village: 1,
      awardId: held.awardId,
    });
    assert.equal(got.objection, '门前杂物是邻居家的');
    assert.equal(got.objectedBy, 'household-1');
  });

  it('raises the balance when the window ends, without a reload', async () => {
    await showsBalance(home, 1, before1 + posted.points);
    assert.equal(await home.evaluate(() => window.__sameLoad), true);
    await home.locator('.passbook').getByText('志愿服务 每小时').waitFor();
    await board.locator('.posted').getByText(posted.note).waitFor();
    await board.locator('.ranking').getByText('张*').waitFor();
    // The micro-fund and the month's rated matters, as the demo seeded them (a donation, a
    // project paid, a rated round), in yuan and stars, not fen and thousandths.
    const fund = await board.getByTestId('board-fund').innerText();
    assert.match(fund, /现有 \d+(\.\d\d)?元/);
    assert.match(fund, /本月收入 [1-9]\d*(\.\d\d)?元/);
    assert.doesNotMatch(fund, /fen|分/);
    assert.match(await board.getByTestId('board-rated').innerText(), /平均 \d\.\d 星，\d+ 户评/);
    // The held award stays on notice, flagged.
    await board.getByTestId('board-notice').filter({ hasText: held.note }).waitFor();
    await shoot(home, 'household');
    await shoot(board, 'board');
  });

  it('survives a network drop: nothing missed on either page', async () => {
    await hall.setOffline(true);
    await home.getByText('网络断开了').waitFor({ timeout: 10_000 });
    await board.getByText('网络断开了').waitFor({ timeout: 10_000 });
    await checkA11y(board, 'board, offline');
    await shoot(board, 'board-offline');
    const missed = await award(1, 3, 1, '垃圾分类做得好');
    const before2 = await balanceOf(1);
    await new Promise((r) => setTimeout(r, 1000));
    await hall.setOffline(false);
    await home
      .getByTestId('my-notice')
      .filter({ hasText: missed.note })
      .waitFor({ timeout: 10_000 });
    await board
      .getByTestId('board-notice')
      .filter({ hasText: missed.note })
      .waitFor({ timeout: 10_000 });
    await home.getByText('网络断开了').waitFor({ state: 'detached' });
    await board.getByText('网络断开了').waitFor({ state: 'detached' });
    // And the stream is back: its posting arrives without a reload.
    await showsBalance(home, 1, before2 + missed.points);
    assert.equal(await home.evaluate(() => window.__sameLoad), true);
  });

  it('shows the payment code as a QR code and text, and refreshes it before it runs out', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
    });
    const page = await phone.newPage();
    await page.clock.install();
    await page.goto(link('household-2'));
    await page.getByRole('heading', { name: /李家/ }).waitFor();
    await page.getByRole('button', { name: '出示付款码' }).click();
    await page.getByRole('img', { name: '付款二维码' }).waitFor();
    const first = await page.getByLabel('付款码文字').innerText();
    assert.ok(first.length > 10, first);
    assert.match(await page.locator('.countdown').innerText(), /还能用 (2分00|1分5\d)秒/);
    await checkA11y(page, 'household, payment code');
    await page.clock.fastForward('01:35');
    await page.getByText('付款码快到期了').waitFor();
    await checkA11y(page, 'household, payment code expiring');
    await shoot(page, 'household-paycode');
    await page.clock.fastForward('00:12');
    await page.waitForFunction(
      (old) => {
        const t = document.querySelector('[aria-label="付款码文字"]')?.textContent;
        return t && t !== old;
      },
      first,
      { polling: 100 },
    ); // the page's clock is stopped: rAF polling would wait on it
    assert.match(await page.locator('.countdown').innerText(), /还能用 (2分00|1分5\d)秒/);
    // The refreshed code is a real one: a shop redeems with it, and the page shows the spend.
    const code = await page.getByLabel('付款码文字').innerText();
    const before2 = await balanceOf(2);
    const { basket } = await api['shop-1'].shops.redeemBasket({
      basket: {
        basketId: nextId(),
        village: 1,
        shop: 1,
        household: 2n,
        lines: [{ item: 2, quantity: 1n }],
      },
      consent: { paymentCode: code },
    });
    assert.ok(basket.pointsTotal > 0n);
    await showsBalance(page, 2, before2 - basket.pointsTotal);
    await page.locator('.passbook').getByText('在商店兑换').waitFor();
    // Once, and the device remembers it.
    await page.getByRole('button', { name: '4星' }).click();
    await page.getByText('您给这次兑换打了 4 星').waitFor();
    const { shopRatings } = await api['committee-li'].board.getBoard({ village: 1 });
    assert.deepEqual(
      shopRatings.map((r) => [r.subject, r.ratings]),
      [[1, 1n]],
    );
    await phone.close();
  });

  it('claims and completes a task with a note, and rates it once verified', async () => {
    const deadline = BigInt(Date.now() + 86_400_000) * 1_000_000n;
    await api['committee-li'].tasks.postTask({
      task: {
        village: 1,
        task: 77,
        title: '清理村口垃圾',
        rule: 5,
        units: 15n,
        slots: 2,
        deadline,
      },
    });
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await phone.newPage();
    await page.goto(link('household-3'));
    const item = page.locator('.tasks li').filter({ hasText: '清理村口垃圾' });
    await item.getByRole('button', { name: '我来认领' }).click();
    await item.getByLabel('做了什么').fill('村口的垃圾清理干净了');
    await checkA11y(page, 'household, a task claimed');
    await item.getByRole('button', { name: '我做完了' }).click();
    await item.getByText('已做完，等村委会核实').waitFor();
    const claimOf = async () =>
      (await api['committee-li'].tasks.getTask({ village: 1, task: 77 })).claims.find(
        (c) => c.claimant === 3n,
      );
    assert.equal((await claimOf()).note, '村口的垃圾清理干净了');
    await api['committee-zhang'].tasks.verifyTask({
      village: 1,
      task: 77,
      claimantKind: points.ClaimantKind.HOUSEHOLD,
      claimant: 3n,
    });
    // The award for it goes on notice: the page hears of it on its stream.
    await item.getByText('村委会已核实').waitFor({ timeout: LIVE_MS + 1000 });
    await item.getByRole('button', { name: '5星' }).click();
    await item.getByText('您给这个任务打了 5 星').waitFor();
    const { taskRatings } = await api['committee-li'].board.getBoard({ village: 1 });
    assert.deepEqual(
      taskRatings.map((r) => [r.subject, r.ratings, r.averageMilli]),
      [[77, 1n, 5000n]],
    );
    await shoot(page, 'household-task');
    await phone.close();
  });

  it('enlarges in elder mode, remembers it, and reads the balance aloud in Mandarin', async () => {
    const px = (selector, prop) =>
      home.$eval(selector, (e, p) => parseFloat(getComputedStyle(e)[p]), prop);
    assert.ok((await px('body', 'fontSize')) < 18);
    await home.getByRole('button', { name: '长辈版：关' }).click();
    await home.getByRole('button', { name: '长辈版：开' }).waitFor();
    await home.reload();
    const toggle = home.getByRole('button', { name: '长辈版：开' });
    await toggle.waitFor(); // remembered
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await home.getByTestId('balance').waitFor();
    assert.ok((await px('body', 'fontSize')) >= 18);
    assert.ok((await px('[data-testid=balance]', 'fontSize')) >= 30);
    assert.ok((await px('body', 'lineHeight')) / (await px('body', 'fontSize')) >= 1.3);
    for (const target of await home
      .locator('button:visible, textarea:visible, input:visible')
      .all()) {
      const box = await target.boundingBox();
      assert.ok(
        box.height >= 60 && box.width >= 60,
        `${await target.innerText()}: ${box.width}x${box.height}`,
      );
    }
    await checkA11y(home, 'household, elder mode');
    // Contrast of 7:1 (WCAG's AAA rule) for every text, the figures among them.
    const enhanced = await new AxeBuilder({ page: home })
      .withRules(['color-contrast-enhanced'])
      .analyze();
    assert.deepEqual(
      enhanced.violations.map((v) => v.nodes.map((n) => n.target.join(' '))),
      [],
    );
    await shoot(home, 'household-elder');
    await home.getByRole('button', { name: /读给我听/ }).click();
    const spoken = await home.evaluate(() => window.__spoken);
    assert.equal(spoken.length, 1);
    assert.equal(spoken[0].lang, 'zh-CN');
    const balance = await balanceOf(1);
    assert.match(spoken[0].text, new RegExp(`^张家，您家现在有${balance}积分。`));
    assert.match(spoken[0].text, /还有5积分正在公示/); // the held award
    assert.match(
      spoken[0].text,
      /最近的记录：\d+月\d+日，遵守村规民约，收入5分。\d+月\d+日，志愿服务 每小时，收入6分。/,
    );
    await home.getByRole('button', { name: '长辈版：开' }).click();
  });

  it('votes once on a matter under deliberation, and rates a finished one by its code', async () => {
    const matters = await api['committee-li'].community.listProposals({ village: 1 });
    const open = matters.proposals.find(
      (p) => p.state === points.ProposalState.IN_DELIBERATION && !p.voteClosed,
    );
    assert.ok(open, 'the demo seeds a proposal in deliberation');
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await phone.newPage();
    await page.goto(link('household-2'));
    const matter = page.getByTestId('matter').filter({ hasText: '健身器材' });
    await matter.getByRole('button', { name: '赞成' }).click();
    await matter.getByText('您家投了“赞成”').waitFor();
    await matter.getByText(`已有 ${open.votes + 1n} 户投票`).waitFor();
    const { proposal } = await api['committee-li'].community.getProposal({
      village: 1,
      proposal: open.number,
    });
    assert.equal(proposal.votes, open.votes + 1n);
    // Household 1 voted in the demo already: the server says so, and the page says it in words.
    await home.reload();
    const own = home.getByTestId('matter').filter({ hasText: '健身器材' });
    await own.getByRole('button', { name: '反对' }).click();
    await own.getByText('您家已经投过票了').waitFor();
    // A round the committee opened, rated by the code shown at the rating point.
    const { round } = await api['committee-li'].community.openRatingRound({
      round: {
        village: 1,
        round: 88,
        subject: points.RoundSubject.SERVICE,
        title: '上门送菜',
        closesAt: BigInt(Date.now() + 3_600_000) * 1_000_000n,
      },
    });
    await page.getByLabel('评议点的评议码').fill('PR1:1:999');
    await page.getByRole('button', { name: '去评议' }).click();
    await page.getByText('没有找到这个评议').waitFor();
    await page.getByLabel('评议点的评议码').fill(round.code);
    await page.getByRole('button', { name: '去评议' }).click();
    await checkA11y(page, 'household, rating by code');
    await page.getByRole('button', { name: '4 星' }).click();
    await page.getByText('您给“上门送菜”打了 4 星').waitFor();
    const rated = await api['committee-li'].community.getRatingRound({ village: 1, round: 88 });
    assert.deepEqual(
      rated.ratings.map((r) => [r.household, r.stars]),
      [[2n, 4]],
    );
    await shoot(page, 'household-community');
    await phone.close();
  });

  it("never shows another household's data", async () => {
    const other = await award(2, 1, 1, '李家庭院整洁');
    await board.getByTestId('board-notice').filter({ hasText: other.note }).waitFor();
    await home.reload();
    await home.getByTestId('balance').waitFor();
    await home.getByTestId('my-notice').first().waitFor();
    const text = await home.locator('body').innerText();
    assert.ok(!text.includes(other.note), "household 2's award on household 1's page");
    assert.ok(!/李/.test(text), "household 2's name on household 1's page");
    // An older link naming household 2 beside household 1's token: the server's word counts.
    const stranger = await browser.newContext({
      viewport: { width: 360, height: 740 },
    });
    const page = await stranger.newPage();
    await page.goto(`${base}/#token=${tokens['household-1']}&village=1&household=2`);
    await page.getByRole('heading', { name: /东山村 · 张家/ }).waitFor();
    assert.ok(!/李/.test(await page.locator('body').innerText()));
    // A session kept on the device that names household 2 (as the server described it, so not
    // asked again): refused by the server, explained, nothing shown.
    await page.evaluate((token) => {
      const s = { token, village: 1, household: 2, checked: true };
      localStorage.setItem('points.session.household', JSON.stringify(s));
    }, tokens['household-1']);
    await page.reload();
    await page.getByText('这个登录码不能查看这里的内容').waitFor();
    assert.equal(await page.getByTestId('balance').count(), 0);
    assert.ok(!/李/.test(await page.locator('body').innerText()));
    await checkA11y(page, 'household, refused');
    await shoot(page, 'household-refused');
    await page.getByRole('button', { name: '重新登录' }).click();
    await page.getByRole('heading', { name: '登录我家的积分' }).waitFor();
    await page.getByText('这个登录码不能查看这里的内容').waitFor(); // still said on the sign-in page
    await stranger.close();
  });

  it('prints the passbook and the board on A4', async () => {
    // pdftotext's spacing follows the layout: compared without white space.
    const text = (pdf) =>
      execFileSync('pdftotext', ['-layout', '-', '-'], {
        input: pdf,
      }).toString();
    const has = (t, want) => t.replace(/\s+/g, '').includes(want.replace(/\s+/g, ''));
    await home.emulateMedia({ media: 'print' });
    const passbookPdf = await home.pdf({ format: 'A4' });
    fs.writeFileSync(path.join(SHOTS, 'passbook.pdf'), passbookPdf);
    const passbook = text(passbookPdf);
    fs.writeFileSync(path.join(SHOTS, 'passbook.txt'), passbook);
    for (const want of [
      '积分存折',
      '张家',
      '上月结余',
      '志愿服务 每小时',
      '遵守村规民约',
      '第 1 页',
    ]) {
      assert.ok(has(passbook, want), `passbook: no ${want}`);
    }
    for (const unwanted of [
      '读给我听',
      '付款码',
      '退出登录',
      '我有异议',
      '可以认领的任务',
      '长辈版',
    ]) {
      assert.ok(!has(passbook, unwanted), `passbook: ${unwanted}`);
    }
    await home.emulateMedia({ media: 'screen' });
    await board.emulateMedia({ media: 'print' });
    const sheetPdf = await board.pdf({ format: 'A4' });
    fs.writeFileSync(path.join(SHOTS, 'board.pdf'), sheetPdf);
    const sheet = text(sheetPdf);
    fs.writeFileSync(path.join(SHOTS, 'board.txt'), sheet);
    for (const want of [
      '东山村 积分公示',
      '打印于',
      '正在公示',
      '有异议，暂缓入账',
      '本月光荣榜',
      '本月已入账',
      posted.note,
      '第 1 页',
    ]) {
      assert.ok(has(sheet, want), `board: no ${want}`);
    }
    for (const unwanted of ['退出', '最后更新'])
      assert.ok(!has(sheet, unwanted), `board: ${unwanted}`);
    await board.emulateMedia({ media: 'screen' });
  });
});
