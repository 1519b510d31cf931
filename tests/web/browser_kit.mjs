// What the browser tests (web_test, console_test, terminal_test, offline_consent_test) share:
// where things are, chromium's flags, the demo's tokens, the accessibility check and the
// screenshots at a page's two sizes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository, the web client, and what ctest passes in (tests/web/CMakeLists.txt).
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB = path.join(REPO, 'clients', 'web');
export const POINTSD = process.env.POINTSD || path.join(REPO, 'build', 'server', 'pointsd');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.WEB_SCREENSHOTS || path.join(REPO, 'build', 'web-screenshots');

// Headless chromium without the background work that only slows a test down.
export const kChromiumArgs = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
];

// The demo's tokens (pointsd --demo writes DATA_DIR/demo-tokens/NAME), by principal name.
// Fresh 16-byte ids (an award's, a basket's) counting up from `start`, which keeps each test's
// ids apart from the others'.
export function idsFrom(start) {
  let serial = start;
  return () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(8, BigInt(++serial));
    return bytes;
  };
}

export function readDemoTokens(dataDir) {
  const tokens = {};
  for (const name of fs.readdirSync(path.join(dataDir, 'demo-tokens'))) {
    tokens[name] = fs.readFileSync(path.join(dataDir, 'demo-tokens', name), 'utf8').trim();
  }
  return tokens;
}

// No serious or critical violation of WCAG 2.2 AA in the page's state; what axe found is kept
// in `results` for the test's log. `exclude`: selectors left out (repeats of one component).
export async function checkA11y(AxeBuilder, page, state, results, exclude = []) {
  let builder = new AxeBuilder({ page }).withTags([
    'wcag2a',
    'wcag2aa',
    'wcag21a',
    'wcag21aa',
    'wcag22aa',
  ]);
  for (const selector of exclude) builder = builder.exclude(selector);
  const result = await builder.analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  results.push({ state, violations: result.violations.length, bad: bad.length });
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    state,
  );
}

// Full-page photographs at each [width, height], named by `fileOf(width, height)`; the page
// goes back to its own size after.
export async function shoot(page, sizes, fileOf) {
  const size = page.viewportSize();
  for (const [w, h] of sizes) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(50);
    await page.screenshot({ path: fileOf(w, h), fullPage: true });
  }
  await page.setViewportSize(size);
}
