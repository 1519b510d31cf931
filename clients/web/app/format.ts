// How the app writes times and points for villagers: the village's zone (Asia/Shanghai), dates
// as people write them (12月6日 14:05), points as whole numbers, rule names without the
// catalogue's English gloss.
const kZone = 'Asia/Shanghai';
const kNanosPerMilli = 1_000_000n;

const kParts = new Intl.DateTimeFormat('en-US', {
  timeZone: kZone,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface VillageTime {
  year: number;
  month: number;
  day: number;
  hour: string;
  minute: string;
  second: string;
}

export function villageTime(ms: number): VillageTime {
  const parts: Record<string, string> = {};
  for (const p of kParts.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: parts.hour.padStart(2, '0'),
    minute: parts.minute.padStart(2, '0'),
    second: parts.second.padStart(2, '0'),
  };
}

export function nanosToMs(ns: bigint): number {
  return Number(ns / kNanosPerMilli);
}

// 12月6日 14:05
export function dateTime(ns: bigint): string {
  const t = villageTime(nanosToMs(ns));
  return `${t.month}月${t.day}日 ${t.hour}:${t.minute}`;
}

// 12月6日
export function dayOf(ns: bigint): string {
  const t = villageTime(nanosToMs(ns));
  return `${t.month}月${t.day}日`;
}

// 2026年12月6日
export function fullDate(ms: number): string {
  const t = villageTime(ms);
  return `${t.year}年${t.month}月${t.day}日`;
}

export function clock(ms: number): string {
  const t = villageTime(ms);
  return `${t.hour}:${t.minute}:${t.second}`;
}

// 2026年12月
export function monthName(ms: number): string {
  const t = villageTime(ms);
  return `${t.year}年${t.month}月`;
}

export function points(n: bigint | number): string {
  return BigInt(n).toString();
}

// What is left of a window, in words: 还剩2天5小时, 还剩3小时12分, 还剩4分05秒.
export function remaining(untilMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((untilMs - nowMs) / 1000));
  if (s === 0) return '即将结束';
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (days > 0) return `还剩${days}天${hours}小时`;
  if (hours > 0) return `还剩${hours}小时${minutes}分`;
  if (minutes > 0) return `还剩${minutes}分${String(seconds).padStart(2, '0')}秒`;
  return `还剩${seconds}秒`;
}

// The demo catalogue writes an English gloss after the name: 庭院卫生评比 (yard hygiene check).
export function plainName(name: string): string {
  return name.replace(/\s*[(（][^)）]*[A-Za-z][^)）]*[)）]\s*$/, '').trim() || name;
}

// A random 16-byte id for idempotent writes (claims): the same request resent is the same id.
export function randomId(): Uint8Array {
  const id = new Uint8Array(16);
  crypto.getRandomValues(id);
  id[0] |= 1; // never all zero
  return id;
}

// This month as the reports count it: YYYYMM in the village's zone.
export function thisMonth(ms = Date.now()): number {
  const t = villageTime(ms);
  return t.year * 100 + t.month;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Fen as people write money: 1700元, 50.50元.
export function yuan(fen: bigint): string {
  const cents = fen % 100n;
  return cents === 0n ? `${fen / 100n}元` : `${fen / 100n}.${cents.toString().padStart(2, '0')}元`;
}
