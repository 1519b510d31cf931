// Receipts in the web app (issue 20, section 3) in a real browser: Debian's chromium driven
// headless by playwright-core against a real `pointsd --demo` serving the bundle, with a witness
// cosigning its checkpoint (`pointsctl witness cosign`, as the supervisory committee runs it).
// The notice board shows the ledger's latest checkpoint (size, fingerprint, who cosigned) as
// text and a QR code, on screen and on A4. The household's page checks a posted award's and a
// basket's receipts in the browser (the checks' bundle loaded only then) against the board's
// checkpoint, saves the movement's receipt as a file and prints it alone on A4 with a QR code of
// it; a flipped bit in a proof makes the check say it failed. The shop's slip carries the
// receipt's short form, and says plainly, sold offline, that it comes after the sync. axe-core
// checks every state; screenshots at 360 px and a desktop's size into $WEB_SCREENSHOTS; QR codes
// are read back with jsqr in the page.
//
//   node --test tests/web/receipts_test.mjs   (pointsd from $POINTSD, pointsctl from
//                                              $POINTSCTL, chromium from $CHROMIUM)
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

const POINTSCTL =
  process.env.POINTSCTL || path.join(REPO, 'build', 'clients', 'pointsctl', 'pointsctl');
const WITNESS = 'village.example/committee-witness';
const NOTICE_SECONDS = 2;

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const JSQR = requireWeb.resolve('jsqr');
const esbuild = requireWeb('esbuild');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { ReceiptService } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'gen', 'points', 'v1', 'receipts_pb.js')).href
);
const { AwardState, bearer, createClient, createPointsClients } = points;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// The fingerprint as the app shows it: the root's first 16 hex digits in groups of four.
const fingerprintOf = (root) =>
  Buffer.from(root.slice(0, 8))
    .toString('hex')
    .replace(/(.{4})(?=.)/g, '$1 ');
// pdftotext's spacing follows the layout: compared without white space.
const pdfText = (pdf) =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString().replace(/\s+/g, '');
const squeeze = (text) => text.replace(/\s+/g, '');

// What the household's app makes offline (app/offline_code.ts): PO1-<v>-<h>-<issued hex>-<mac>.
function offlineCode(key, household, ms = Date.now()) {
  const text = `PO1-1-${household}-${(BigInt(ms) * 1_000_000n).toString(16)}`;
  const mac = crypto.createHmac('sha256', Buffer.from(key)).update(text).digest('hex');
  return `${text}-${mac.slice(0, 16)}`;
}

// The text a QR code on the page holds: its SVG drawn on a canvas and read by jsqr (loaded into
// the page, whose context bypasses the CSP for it).
async function scanQr(page, selector) {
  if (!(await page.evaluate(() => 'jsQR' in window))) await page.addScriptTag({ path: JSQR });
  return page.evaluate(async (sel) => {
    const svg = document.querySelector(sel).cloneNode(true);
    const modules = svg.viewBox.baseVal.width;
    const px = modules * 6;
    svg.setAttribute('width', px);
    svg.setAttribute('height', px);
    const img = new Image();
    const xml = new XMLSerializer().serializeToString(svg);
    img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(xml)))}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = px;
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, px, px);
    const found = window.jsQR(ctx.getImageData(0, 0, px, px).data, px, px);
    return found ? new TextDecoder().decode(Uint8Array.from(found.binaryData)) : null;
  }, selector);
}

// check.ts as Node runs it: bundled with its @noble imports into a temporary module.
async function loadCheck() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-check-'));
  const file = path.join(dir, 'check.mjs');
  await esbuild.build({
    entryPoints: [path.join(WEB, 'app', 'verify', 'check.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: file,
    logLevel: 'warning',
  });
  return import(pathToFileURL(file).href);
}
const check = await loadCheck();

describe('receipts in the web app', () => {
  let dataDir;
  let server;
  let base;
  let browser;
  const tokens = {};
  const api = {};
  const axeResults = [];
  let receipts; // ReceiptService as the auditor
  let publicKey;
  const codeOf = async (household) =>
    (
      await api[`household-${household}`].shops.issuePaymentCode({
        village: 1,
        household: BigInt(household),
      })
    ).code;

  async function checkA11y(page, state) {
    await checkPage(AxeBuilder, page, state, axeResults);
  }
  async function shoot(page, name, desktop = [1920, 1080]) {
    await shootSizes(page, [[360, 740], desktop], (w, h) =>
      path.join(SHOTS, `${name}-${w}x${h}.png`),
    );
  }

  // The checkpoint once the tree has stopped growing (the demo's records all in it, its
  // awards posted): the same for 5 s. A new one is signed at most every 2 s while records come,
  // and the demo's own records trickle in for several seconds after its start.
  async function settledCheckpoint() {
    let last = null;
    let same = 0;
    for (let i = 0; i < 60; i++) {
      const cp = await receipts.getCheckpoint({}).catch(() => null);
      same = cp && last && cp.size === last.size ? same + 1 : 0;
      if (same === 2) return cp;
      last = cp;
      await sleep(2500);
    }
    throw new Error('the checkpoint kept growing');
  }

  // `pointsctl witness cosign` with the committee's token: the witness checks and cosigns the
  // latest checkpoint.
  function cosign() {
    const dir = path.join(dataDir, 'witness');
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir);
      const made = execFileSync(POINTSCTL, ['witness', 'key', WITNESS], { encoding: 'utf8' });
      fs.writeFileSync(path.join(dir, 'witness.key'), `${made.split('\n')[0]}\n`);
      fs.writeFileSync(path.join(dir, 'committee.token'), tokens['committee-li']);
    }
    const out = execFileSync(
      POINTSCTL,
      [
        '--target',
        `127.0.0.1:${server.grpcPort}`,
        '--token-file',
        path.join(dir, 'committee.token'),
        'witness',
        'cosign',
        '--log-key',
        publicKey,
        '--key-file',
        path.join(dir, 'witness.key'),
        '--state',
        path.join(dir, 'witness.state'),
      ],
      { encoding: 'utf8' },
    );
    assert.match(out, /cosigned /);
  }

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(fs.existsSync(POINTSCTL), `no pointsctl at ${POINTSCTL}: set POINTSCTL`);
    assert.ok(fs.existsSync(path.join(WEB, 'www', 'index.html')), 'clients/web: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-receipts-'));
    // Awards post after a short notice window, reviewed only above 20 points.
    server = await startPointsd(POINTSD, dataDir, {
      flags: [
        '--notice-seconds',
        String(NOTICE_SECONDS),
        '--review-threshold',
        '20',
        '--web-root',
        path.join(WEB, 'www'),
      ],
    });
    base = `http://127.0.0.1:${server.httpPort}`;
    Object.assign(tokens, readDemoTokens(dataDir));
    for (const name of Object.keys(tokens)) {
      const transport = createConnectTransport({
        baseUrl: base,
        httpVersion: '1.1',
        interceptors: [bearer(tokens[name])],
      });
      api[name] = {
        ...createPointsClients(transport),
        receipts: createClient(ReceiptService, transport),
      };
    }
    receipts = api.auditor.receipts;
    publicKey = (await settledCheckpoint()).publicKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs });
  });

  after(async () => {
    if (axeResults.length) console.log(`axe: ${JSON.stringify(axeResults)}`);
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the ledger on the board: size, fingerprint, witness, QR code; and prints it', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
      bypassCSP: true, // for jsqr, added to read the QR code back
    });
    const board = await context.newPage();
    await board.goto(`${base}/board#token=${tokens.auditor}&village=1`);
    const card = board.getByTestId('board-ledger');
    // Before any witness: the board says so.
    await card.getByText('见证人还没有在这一版上签字').waitFor();
    cosign();
    const cp = await settledCheckpoint();
    assert.match(cp.checkpoint, new RegExp(`\n\u2014 ${WITNESS} `), 'the witness cosigned');
    await card.getByText(`见证人已签字：${WITNESS}`).waitFor({ timeout: 10_000 });
    const text = await card.innerText();
    assert.match(squeeze(text), new RegExp(`共有${cp.size}条记录`));
    assert.ok(text.includes(fingerprintOf(cp.root)), `fingerprint ${fingerprintOf(cp.root)}`);
    assert.match(text, /\d+月\d+日 \d\d:\d\d/, 'when the witness signed, in the village time');
    // No wall of hex: the fingerprint is 16 digits, nothing longer.
    assert.doesNotMatch(await board.locator('main').innerText(), /[0-9a-f]{17}/);
    // The QR code holds the signed checkpoint with its cosignature, verbatim.
    assert.equal(await scanQr(board, '.ledger svg.qr'), cp.checkpoint);
    await checkA11y(board, 'board: ledger witnessed');
    await shoot(board, 'board-ledger');

    // On A4: the same figures and witness, and the QR code.
    await board.emulateMedia({ media: 'print' });
    const pdf = await board.pdf({ format: 'A4' });
    const qrPrinted = await board.evaluate(() => {
      const qr = document.querySelector('.ledger svg.qr');
      return qr.getBoundingClientRect().width > 100;
    });
    await board.emulateMedia({ media: 'screen' });
    fs.writeFileSync(path.join(SHOTS, 'board-ledger.pdf'), pdf);
    const sheet = pdfText(pdf);
    for (const want of [
      '账本指纹',
      `共有${cp.size}条记录`,
      squeeze(fingerprintOf(cp.root)),
      WITNESS,
    ])
      assert.ok(sheet.includes(want), `board on A4: no ${want}`);
    assert.ok(qrPrinted, 'the QR code is on the printed board');
    await context.close();
  });

  it("checks a movement's receipt on the household's page, saves and prints it", async () => {
    // An award for household 1, posted after its notice window, and a basket.
    const awardId = crypto.getRandomValues(new Uint8Array(16));
    await api['committee-li'].awards.recordAward({
      award: {
        awardId,
        village: 1,
        household: 1n,
        rule: { rule: 2 },
        quantity: 3n,
        note: '帮助修路三小时',
      },
    });
    for (let i = 0; ; i++) {
      const { award } = await api['committee-li'].awards.getAward({ village: 1, awardId });
      if (award.state === AwardState.POSTED) break;
      assert.ok(i < 100, `the award is ${award.state}, not posted`);
      await sleep(200);
    }
    await api['shop-1'].shops.redeemBasket({
      basket: {
        basketId: crypto.getRandomValues(new Uint8Array(16)),
        village: 1,
        shop: 1,
        household: 1n,
        lines: [{ item: 2, quantity: 1n }],
      },
      consent: { paymentCode: await codeOf(1) },
    });
    await settledCheckpoint();
    cosign();
    const cp = await receipts.getCheckpoint({});
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
      bypassCSP: true, // for jsqr, added to read the QR code back
      acceptDownloads: true,
    });
    const home = await context.newPage();
    const checksLoaded = [];
    home.on('request', (r) => r.url().includes('/assets/checks-') && checksLoaded.push(r.url()));
    await home.goto(`${base}/#token=${tokens['household-1']}`);
    await home.locator('button.receipt-open').first().waitFor();
    assert.deepEqual(checksLoaded, [], 'the checks wait until a receipt is opened');

    // A posted award.
    await home
      .getByRole('button', { name: /^凭证：(?!.*在商店兑换)/ })
      .first()
      .click();
    const panel = home.getByTestId('receipt');
    const result = panel.getByTestId('receipt-result');
    await result.waitFor({ timeout: 30_000 });
    const said = await result.innerText();
    assert.match(said, /核对通过：这一笔记在村里的账本上/);
    assert.equal(checksLoaded.length, 1, 'the checks are loaded once a receipt is opened');
    const index = Number(/它是账本的第 (\d+) 条记录/.exec(said)[1]) - 1;
    assert.ok(
      said.includes(
        `公示栏上的账本（共 ${cp.size} 条记录，指纹 ${fingerprintOf(cp.root)}）包含这一笔`,
      ),
      said,
    );
    assert.match(said, new RegExp(`见证人签字：${WITNESS}`));
    assert.match(await panel.innerText(), /以后谁也不能悄悄删掉或改掉它/);
    // The main screen has no wall of hex or base64; the full text is behind 详细.
    const screen = await home.locator('main').innerText();
    assert.doesNotMatch(screen, /[0-9a-f]{17}|[A-Za-z0-9+/]{40}/);
    await checkA11y(home, 'household: receipt checked');
    await shoot(home, 'household-receipt', [1280, 800]);
    await panel.getByText('详细').click();
    assert.match(
      await panel.locator('pre.receipt-text').first().innerText(),
      /^c2sp\.org\/tlog-proof@v1\n/,
    );
    await checkA11y(home, 'household: receipt details');

    // Saved as a file: the movement's own receipt, which check.ts accepts with the county's key.
    const [download] = await Promise.all([
      home.waitForEvent('download'),
      panel.getByRole('button', { name: '保存凭证文件' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.tlog-proof$/);
    const file = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(file.startsWith('c2sp.org/tlog-proof@v1\n'));
    assert.ok(file.includes(`\nindex ${index}\n`), 'the receipt of the record the page named');
    const checked = check.verifyReceipt(file, publicKey);
    assert.ok(checked.ok, checked.why);

    // Printed alone on A4, with a QR code of the whole receipt.
    await home.evaluate(() => {
      window.print = () => {}; // the dialog: headless has none
    });
    await panel.getByRole('button', { name: '打印凭证' }).click();
    await home.emulateMedia({ media: 'print' });
    const pdf = await home.pdf({ format: 'A4' });
    const qr = await scanQr(home, '.receipt-sheet svg.qr');
    await home.emulateMedia({ media: 'screen' });
    fs.writeFileSync(path.join(SHOTS, 'household-receipt.pdf'), pdf);
    const sheet = pdfText(pdf);
    for (const want of [
      '积分凭证',
      `第${index + 1}条记录`,
      'c2sp.org/tlog-proof@v1',
      '/verify',
      '打印于',
      '第1页',
    ])
      assert.ok(sheet.includes(want), `receipt on A4: no ${want}`);
    for (const unwanted of ['积分存折', '保存凭证文件', '付款码', '详细'])
      assert.ok(!sheet.includes(unwanted), `receipt on A4: ${unwanted}`);
    assert.equal(qr, file, 'the QR code holds the receipt');
    await home.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    assert.equal(
      await home.evaluate(() => document.documentElement.classList.contains('print-receipt')),
      false,
    );

    // The basket's receipt too.
    await panel.getByRole('button', { name: '关闭' }).click();
    await home
      .getByRole('button', { name: /^凭证：.*在商店兑换/ })
      .first()
      .click();
    assert.match(await result.innerText({ timeout: 30_000 }), /核对通过/);
    await context.close();
  });

  it('says the check failed when a bit of the proof is flipped', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
    });
    // The server's answer with one bit flipped in each receipt's first proof hash.
    await context.route('**/points.v1.ReceiptService/ProveAward', async (route) => {
      const answer = await (await route.fetch()).json();
      for (const r of answer.receipts) {
        const lines = r.receipt.split('\n');
        const at = lines.findIndex((l) => l.startsWith('index ')) + 1;
        const bytes = Buffer.from(lines[at], 'base64');
        bytes[0] ^= 1;
        lines[at] = bytes.toString('base64');
        r.receipt = lines.join('\n');
      }
      await route.fulfill({ contentType: 'application/json', body: JSON.stringify(answer) });
    });
    const home = await context.newPage();
    await home.goto(`${base}/#token=${tokens['household-1']}`);
    await home
      .getByRole('button', { name: /^凭证：(?!.*在商店兑换)/ })
      .first()
      .click();
    const result = home.getByTestId('receipt-result');
    const said = await result.innerText({ timeout: 30_000 });
    assert.match(said, /没有通过核对/);
    assert.match(said, /证明对不上/);
    assert.equal(await home.getByRole('button', { name: '保存凭证文件' }).count(), 0);
    await checkA11y(home, 'household: receipt refused');
    await shoot(home, 'household-receipt-refused', [1280, 800]);
    await context.close();
  });

  it("prints the receipt's short form on the shop's slip; offline, says it comes after sync", async () => {
    const context = await browser.newContext({
      viewport: { width: 768, height: 1024 },
      locale: 'zh-CN',
    });
    const page = await context.newPage();
    let basketId = null; // the sale's, as the terminal sent it
    page.on('request', (r) => {
      if (r.url().endsWith('/points.v1.ShopService/RedeemBasket'))
        basketId ??= Buffer.from(JSON.parse(r.postData()).basket.basketId, 'base64');
    });
    await page.goto(`${base}/shop#token=${tokens['shop-1']}`);
    await page.locator('button.item').first().waitFor();
    const sell = async (item, code) => {
      await page.locator('button.item', { hasText: item }).click();
      await page.getByLabel('或输入付款码下面的文字').fill(code);
      await page.getByRole('button', { name: '确定' }).click();
      await page.locator('button.sell').click();
    };
    await sell('肥皂', await codeOf(2));
    await page.getByTestId('sale-state').filter({ hasText: '成功' }).waitFor();
    const proof = page.getByTestId('slip-proof');
    await proof.filter({ hasText: '账本凭证：记录' }).waitFor({ timeout: 30_000 });
    const r = await api['shop-1'].receipts.proveBasket({ village: 1, basketId });
    const numbers = r.receipts.map((x) => Number(x.index) + 1);
    const size = r.receipts[0].size;
    const { root } = await receipts.getCheckpoint({ size });
    const slip = await proof.innerText();
    const first = Math.min(...numbers);
    const last = Math.max(...numbers);
    assert.match(slip, new RegExp(`记录 第 ${first}${first === last ? '' : `–${last}`} 条`));
    assert.match(slip, new RegExp(`账本共 ${size} 条`));
    assert.ok(slip.includes(`指纹 ${fingerprintOf(root)}`), slip);
    assert.ok(slip.includes(`核对 127.0.0.1:${server.httpPort}/verify`), slip);
    assert.doesNotMatch(slip, /[0-9a-f]{17}/);
    await checkA11y(page, 'terminal: slip with receipt');
    await shoot(page, 'terminal-slip-receipt', [1280, 800]);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    fs.writeFileSync(path.join(SHOTS, 'terminal-slip-receipt.pdf'), pdf);
    const printed = pdfText(pdf);
    for (const want of ['积分兑换小票', '账本凭证', squeeze(fingerprintOf(root)), '/verify'])
      assert.ok(printed.includes(want), `slip: no ${want}`);

    // Sold offline (household 3's offline code): no receipt until the sale is synced.
    const { offlineKey } = await api['household-3'].shops.issuePaymentCode({
      village: 1,
      household: 3n,
    });
    await page.getByRole('button', { name: '下一位顾客' }).click();
    await context.setOffline(true);
    await page.locator('.banner', { hasText: '没有网络' }).waitFor();
    await sell('肥皂', offlineCode(offlineKey, 3));
    await page.getByTestId('sale-state').filter({ hasText: '离线成交' }).waitFor();
    assert.match(await proof.innerText(), /联网同步后才有账本凭证/);
    await checkA11y(page, 'terminal: slip offline');
    await shoot(page, 'terminal-slip-offline', [1280, 800]);
    await context.setOffline(false);
    await proof.filter({ hasText: '账本凭证：记录' }).waitFor({ timeout: 40_000 });
    await context.close();
  });
});
