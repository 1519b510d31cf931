// The household page's first load in Chromium under DevTools' "Slow 3G" network emulation
// (CDP Network.emulateNetworkConditions: 400 kbit/s down and up, 2 s round trip, the DevTools
// preset), from an empty cache each time, against a real pointsd --demo on free ports: the load
// event and the time until the balance is on screen, median of --runs (5).
//
// Each run is a phone that signed in before (its localStorage and cookie kept, as a household's
// phone is every day after the sign-in link) opening the page with an empty HTTP cache: the
// sign-in link is opened first, unthrottled and not timed, in the run's fresh browser context.
// --sign-in-link times the link's own first open instead (nothing kept: the fragment never
// reaches the server, so that load cannot carry the balance in its HTML).
//
//   node bench/web-load-time.mjs [--runs N] [--latency-ms MS] [--kbps N] [--sign-in-link] [--json]
//     (pointsd from $POINTSD or build/server/pointsd; chromium from $CHROMIUM)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startPointsd, stopPointsd } from '../tests/testing/pointsd.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(REPO, 'clients', 'web');
const POINTSD = process.env.POINTSD || path.join(REPO, 'build', 'server', 'pointsd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(path.join(WEB, 'package.json'))('playwright-core');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = option('runs', 5);
// DevTools' Slow 3G: 500 kbit/s x 0.8 each way, 400 ms x 5 latency.
const LATENCY_MS = option('latency-ms', 2000);
const KBPS = option('kbps', 400);

const SIGN_IN_LINK = process.argv.includes('--sign-in-link');

async function once(browser, origin, link) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
  });
  const page = await context.newPage();
  if (!SIGN_IN_LINK) {
    await page.goto(link);
    await page.getByTestId('balance').waitFor({ timeout: 30_000 });
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const bytesPerSecond = (KBPS * 1000) / 8;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: LATENCY_MS,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: bytesPerSecond,
  });
  const start = Date.now();
  // The balance is waited for beside the load, not after it: it may come first.
  const loaded = page
    .goto(SIGN_IN_LINK ? link : `${origin}/`, { waitUntil: 'load', timeout: 120_000 })
    .then(() => Date.now() - start);
  await page.getByTestId('balance').waitFor({ timeout: 120_000 });
  const balance = Date.now() - start;
  const load = await loaded;
  // Chromium's own first contentful paint, from the navigation's start.
  const paint = await page.evaluate(() =>
    Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1),
  );
  await context.close();
  return { load, balance, paint };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-web-load-'));
const server = await startPointsd(POINTSD, dataDir, {
  flags: ['--web-root', path.join(WEB, 'www')],
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const token = fs.readFileSync(path.join(dataDir, 'demo-tokens', 'household-1'), 'utf8').trim();
  const origin = `http://127.0.0.1:${server.httpPort}`;
  const link = `${origin}/#token=${token}&village=1&household=1`;
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(browser, origin, link));
  const result = {
    profile: { latency_ms: LATENCY_MS, kbit_per_s: KBPS, signed_in: !SIGN_IN_LINK },
    runs,
    median_load_ms: median(runs.map((r) => r.load)),
    median_balance_ms: median(runs.map((r) => r.balance)),
    median_first_paint_ms: median(runs.map((r) => r.paint)),
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `network: ${KBPS} kbit/s each way, ${LATENCY_MS} ms round trip; ${RUNS} runs, empty cache, ` +
        (SIGN_IN_LINK ? 'the sign-in link' : 'signed in before'),
    );
    console.log(
      `load event:       median ${result.median_load_ms} ms  (${runs.map((r) => r.load).join(', ')})`,
    );
    console.log(
      `balance on screen: median ${result.median_balance_ms} ms  (${runs.map((r) => r.balance).join(', ')})`,
    );
    console.log(
      `first paint:       median ${result.median_first_paint_ms} ms  (${runs.map((r) => r.paint).join(', ')})`,
    );
  }
} finally {
  await browser.close();
  await stopPointsd(server);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
