// The household's page across a pointsd restart, in a real browser (issue 17, "reconnecting
// after a network drop or a server restart without missing or repeating a change"): the page is
// open with its live balance (WatchAccounts over Connect), pointsd is stopped (SIGTERM, a
// drain) and started again on the same ports and data directory, awards are recorded by another
// client while the page is still reconnecting and after, and the page shows each posting once,
// by its stream (within LIVE_MS, far inside its 30 s poll) and without a reload.
//
//   node --test tests/web/restart_test.mjs   (pointsd from $POINTSD, chromium from $CHROMIUM)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  kChromiumArgs,
  readDemoTokens,
  shoot,
  WEB,
  POINTSD,
  CHROMIUM,
  SHOTS,
  idsFrom,
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

// Short, so the awards post while the test waits.
const NOTICE_SECONDS = 3;
// A change reaches the open page over its stream within this (its poll is 30 s).
const LIVE_MS = 5000;

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients } = points;

const nextId = idsFrom(0x7e57a);

describe("the household's page across a pointsd restart", () => {
  let dataDir;
  let server;
  let ports;
  let base;
  let browser;
  let tokens;
  let committee; // another client: the committee's, over Connect from Node

  const start = () =>
    startPointsd(POINTSD, dataDir, {
      ...ports,
      flags: [
        '--notice-seconds',
        String(NOTICE_SECONDS),
        '--review-threshold',
        '20',
        '--web-root',
        path.join(WEB, 'www'),
      ],
    });

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    assert.ok(fs.existsSync(path.join(WEB, 'www', 'index.html')), 'clients/web: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-restart-'));
    [server, browser] = await Promise.all([
      start(),
      chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs }),
    ]);
    ports = { grpcPort: server.grpcPort, httpPort: server.httpPort };
    base = `http://127.0.0.1:${server.httpPort}`;
    tokens = readDemoTokens(dataDir);
    committee = createPointsClients(
      createConnectTransport({
        baseUrl: base,
        httpVersion: '1.1',
        interceptors: [bearer(tokens['committee-li'])],
      }),
    );
  });

  after(async () => {
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const award = async (rule, quantity, note) =>
    (
      await committee.awards.recordAward({
        award: {
          awardId: nextId(),
          village: 1,
          household: 1n,
          rule: { rule },
          quantity: BigInt(quantity),
          note,
        },
      })
    ).award;
  const serverBalance = async () =>
    (await committee.villages.getHousehold({ village: 1, household: 1n })).pointsBalance;
  // Waits for the server to have `want`, then for the page to show it within LIVE_MS.
  async function showsBalance(page, want) {
    const deadline = Date.now() + (NOTICE_SECONDS + 10) * 1000;
    while ((await serverBalance()) !== want) {
      assert.ok(Date.now() < deadline, `household 1 never reached ${want}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.waitForFunction(
      (w) => document.querySelector('[data-testid=balance]')?.textContent.replace(/\D/g, '') === w,
      String(want),
      { timeout: LIVE_MS, polling: 100 },
    );
  }
  // The passbook's lines by what they say (rule 2's name, rule 3's), and all of them.
  async function passbook(page) {
    const rows = await page.locator('.passbook tbody tr').allInnerTexts();
    const count = (what) => rows.filter((r) => r.includes(what)).length;
    return { all: rows.length, volunteer: count('志愿服务 每小时'), rules: count('遵守村规民约') };
  }

  it('keeps the balance and the passbook live through a restart, each change once', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/#token=${tokens['household-1']}`);
    await page.getByRole('heading', { name: /东山村 · 张家/ }).waitFor();
    await page.getByTestId('balance').waitFor();
    await page.evaluate(() => (window.__sameLoad = true));
    const balance0 = await serverBalance();
    await showsBalance(page, balance0);
    const book0 = await passbook(page);

    assert.equal(await stopPointsd(server), 0, 'pointsd drains and exits 0');
    await page.getByText('网络断开了').waitFor({ timeout: 10_000 });
    server = await start();
    assert.equal(server.httpPort, ports.httpPort);
    // At once, while the page is still waiting to reconnect: its stream must resume from the
    // last change it had, so this one is neither missed nor repeated.
    const early = await award(2, 2, '重启后马上记的志愿服务');
    await page.getByText('网络断开了').waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByTestId('my-notice').filter({ hasText: early.note }).waitFor();
    await showsBalance(page, balance0 + early.points);
    // And after it is back.
    const late = await award(3, 1, '重启后再记的遵守村规');
    await page
      .getByTestId('my-notice')
      .filter({ hasText: late.note })
      .waitFor({ timeout: LIVE_MS });
    await showsBalance(page, balance0 + early.points + late.points);
    await page
      .getByTestId('my-notice')
      .filter({ hasText: late.note })
      .waitFor({ state: 'detached' });

    assert.equal(await page.evaluate(() => window.__sameLoad), true, 'no reload');
    assert.deepEqual(
      await passbook(page),
      { all: book0.all + 2, volunteer: book0.volunteer + 1, rules: book0.rules + 1 },
      'each posting once in the passbook',
    );
    await shoot(page, [[360, 740]], () => path.join(SHOTS, 'household-after-restart-360x740.png'));
    await context.close();
  });
});
