// The console's sign-in: a committee member's or a grid worker's token, from a sign-in link
// (/console#token=HEX&village=1&name=committee-li&role=committee, or role=grid&grid=1) or pasted,
// kept in this device's localStorage until sign-out, apart from a household's session on the same
// device. There is no RPC that tells a token's role, name and grid, so the link names them: the
// name keeps one's own awards out of one's review list (the server refuses them anyway).
import type { Session } from '../session.js';

export type Role = 'committee' | 'grid';

export interface ConsoleSession extends Session {
  role: Role;
  name: string; // the principal's name, as recorded_by shows it
  grid: number; // a grid worker's grid, 0 for the committee
}

const kKey = 'points.session.console';
const kTokenPattern = /^[0-9a-f]{64}$/;
const kNamePattern = /^[\w.-]{1,64}$/;
const kNumberMax = 1 << 20;

function number(text: string | null): number {
  const n = Number(text ?? '');
  return Number.isInteger(n) && n > 0 && n <= kNumberMax ? n : 0;
}

export function parseConsoleSignIn(text: string): ConsoleSession | string {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const params = new URLSearchParams(hash);
  const token = (params.get('token') ?? '').toLowerCase();
  if (!kTokenPattern.test(token)) return '登录码不对：应是64位的数字和字母，请整段复制后再粘贴。';
  const village = number(params.get('village'));
  if (village === 0) return '请填写村的编号。';
  const role: Role = params.get('role') === 'grid' ? 'grid' : 'committee';
  const grid = role === 'grid' ? number(params.get('grid')) : 0;
  if (role === 'grid' && grid === 0) return '网格员请填写自己网格的编号。';
  const name = params.get('name') ?? '';
  if (!kNamePattern.test(name)) return '请填写自己的账号名（登录链接里有），例如 committee-li。';
  return { token, village, household: 0, role, name, grid };
}

export function loadConsoleSession(): ConsoleSession | null {
  try {
    const s = JSON.parse(localStorage.getItem(kKey) ?? 'null');
    if (s && kTokenPattern.test(s.token) && s.village > 0 && kNamePattern.test(s.name)) return s;
  } catch {
    // A damaged entry is treated as signed out.
  }
  return null;
}

export function saveConsoleSession(s: ConsoleSession): void {
  localStorage.setItem(kKey, JSON.stringify(s));
}

export function consoleSignOut(): void {
  localStorage.removeItem(kKey);
}

// Takes a sign-in link's fragment into storage and out of the address bar.
export function takeConsoleFragment(): void {
  if (!location.hash.includes('token=')) return;
  const s = parseConsoleSignIn(location.hash);
  history.replaceState(null, '', location.pathname + location.search);
  if (typeof s !== 'string') saveConsoleSession(s);
}
