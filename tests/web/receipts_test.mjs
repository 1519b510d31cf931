// Receipts in the web app (issue 20, section 3) in a real browser: Debian's chromium driven
// headless by playwright-core against a real `pointsd --demo` serving the bundle, with a witness
// cosigning its checkpoint (`pointsctl witness cosign`, as the supervisory committee runs it).
// The notice board shows the ledger's latest checkpoint (size, fingerprint, who cosigned) as
// text and a QR code, on screen and on A4. axe-core checks every state; screenshots at 360 px
// and a desktop's size into $WEB_SCREENSHOTS; QR codes are read back with jsqr in the page.
//
//   node --test tests/web/receipts_test.mjs   (pointsd from $POINTSD, pointsctl from
//                                              $POINTSCTL, chromium from $CHROMIUM)
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
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

const POINTSCTL =
  process.env.POINTSCTL || path.join(REPO, 'build', 'clients', 'pointsctl', 'pointsctl');
const WITNESS = 'village.example/committee-witness';

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const JSQR = requireWeb.resolve('jsqr');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { ReceiptService } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'gen', 'points', 'v1', 'receipts_pb.js')).href
);
const { bearer, createClient, createPointsClients } = points;

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

  async function checkA11y(page, state) {
    await checkPage(AxeBuilder, page, state, axeResults);
  }
  async function shoot(page, name, desktop = [1920, 1080]) {
    await shootSizes(page, [[360, 740], desktop], (w, h) =>
      path.join(SHOTS, `${name}-${w}x${h}.png`),
    );
  }

  // The checkpoint once the tree has stopped growing (the demo's records all in it): a new one
  // is signed at most every 2 s while records come.
  async function settledCheckpoint() {
    let last = null;
    for (let i = 0; i < 60; i++) {
      const cp = await receipts.getCheckpoint({}).catch(() => null);
      if (cp && last && cp.size === last.size) return cp;
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
    server = await startPointsd(POINTSD, dataDir, {
      flags: ['--web-root', path.join(WEB, 'www')],
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
});
