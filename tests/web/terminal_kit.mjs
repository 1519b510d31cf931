// What the shop terminal's browser tests share (terminal_test, terminal_day_test,
// terminal_offline_test): the demo's supermarket, a household's offline code as its phone makes
// it, a terminal opened and signed in, an item tapped into the basket, and the shop's month as
// the committee's report counts it.
import crypto from 'node:crypto';

// The demo's supermarket: 酱油 10 points, 肥皂 3, 洗衣粉 15, 20 of each at the start.
export const SHOP = 1;

// A household's offline code (clients/web/app/offline_code.ts, OFFLINE.md), made from its key.
export function offlineCode(key, household, ms = Date.now()) {
  const text = `PO1-1-${household}-${(BigInt(ms) * 1_000_000n).toString(16)}`;
  const mac = crypto.createHmac('sha256', Buffer.from(key)).update(text).digest('hex');
  return `${text}-${mac.slice(0, 16)}`;
}

// This month in the village's zone, as the report takes it (YYYYMM).
export function villageMonth() {
  const t = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
  }).format(new Date());
  return Number(t.replace('-', ''));
}

// The shop's ShopTotal this month in GetReport, through a committee member's clients.
export async function shopTotal(committee) {
  const r = await committee.board.getReport({ village: 1, month: villageMonth() });
  return r.shops.find((s) => s.shop === SHOP);
}

// A fresh payment code of the household, through its own clients.
export async function paymentCode(householdApi, household) {
  return (await householdApi.shops.issuePaymentCode({ village: 1, household: BigInt(household) }))
    .code;
}

// The terminal at /shop in a new page of `context`, signed in by the shopkeeper's token, with
// its items on screen.
export async function openTerminal(context, base, token) {
  const page = await context.newPage();
  await page.goto(`${base}/shop#token=${token}`);
  await page.getByRole('heading', { name: '商品' }).waitFor();
  await page.locator('button.item').first().waitFor();
  return page;
}

export const addItem = (page, name) => page.locator('button.item', { hasText: name }).click();
