// The offline limits (OFFLINE.md) as the device enforces them before it sells a basket without
// the server: how long since the server last answered, the basket's size, the household's and
// the terminal's offline baskets not yet answered. Over a limit: the words to show.
import type { Limits } from './catalogue.js';
import type { Sale } from './outbox.js';

const kHourMs = 3600_000;

const lastAnswerKey = (village: number, shop: number) =>
  `points.terminal.answered.${village}.${shop}`;

// When the server last answered this terminal (ms; 0: never).
export function lastAnswer(village: number, shop: number): number {
  return Number(localStorage.getItem(lastAnswerKey(village, shop)) ?? 0) || 0;
}

export function markAnswer(village: number, shop: number, at = Date.now()): void {
  localStorage.setItem(lastAnswerKey(village, shop), String(at));
}

// Why the basket may not be sold offline, in words; '' when it may. An online code cannot be
// taken offline: it would have run out by the time the link returns.
export function offlineRefusal(
  offlineCode: boolean,
  limits: Limits | undefined,
  sales: Sale[],
  household: number,
  total: number,
  answeredAt: number,
  now = Date.now(),
): string {
  if (!offlineCode) {
    return '现在没有网络，这个付款码收不了。请顾客在手机上出示“离线付款码”（手机没网时会自动显示）。';
  }
  if (!limits || !answeredAt) return '这台收银台还没有连上过服务器，不能离线收款。';
  if (now - answeredAt > limits.offlineHours * kHourMs) {
    return `已经${limits.offlineHours}小时没有连上服务器，不能再离线收款。请等网络恢复。`;
  }
  if (total > limits.basketPointsMax) {
    return `离线时一单最多${limits.basketPointsMax}积分，这一单要等网络恢复再收，或者分开少拿一些。`;
  }
  const open = sales.filter((s) => s.state === 'waiting' && s.offline);
  const mine = open.filter((s) => s.household === household);
  const sum = (list: Sale[]) => list.reduce((n, s) => n + s.total, 0);
  if (mine.length + 1 > limits.householdBaskets || sum(mine) + total > limits.householdPoints) {
    return `离线时每户最多${limits.householdBaskets}单、共${limits.householdPoints}积分，这户已经到了。请等网络恢复再收。`;
  }
  if (open.length + 1 > limits.terminalBaskets || sum(open) + total > limits.terminalPoints) {
    return `这台收银台离线收的单已到上限（${limits.terminalBaskets}单、${limits.terminalPoints}积分）。请等网络恢复，单子传上去以后再收。`;
  }
  return '';
}
