// Sign-in: a principal's token entered once per device, from a sign-in link (…/#token=HEX, or
// …/shop#token=HEX for a shop's terminal) or pasted, kept in this device's localStorage until
// sign-out. Whose token it is (village, household or shop) the page asks the server
// (AdminService.GetCaller, caller.ts); older links that also name them still sign in, by what the
// server says. The board's link names its village (…/board#token=HEX&village=1). The fragment
// never reaches a server and is removed from the address bar at once.
export type PageKind = 'household' | 'board' | 'shop';

export interface Session {
  token: string;
  village: number;
  household: number; // 0 on the board and the terminal
  shop?: number; // the terminal's shop
  // Learnt from the server (GetCaller); a session stored before then is asked about once.
  checked?: boolean;
}

const kTokenPattern = /^[0-9a-f]{64}$/;
const kNumberMax = 1 << 20;

function keyOf(kind: PageKind): string {
  return `points.session.${kind}`;
}

function parseNumber(text: string | null): number {
  const n = Number(text ?? '');
  return Number.isInteger(n) && n > 0 && n <= 2 ** 53 ? n : 0;
}

// The board's session from `token=…&village=…` (a link's fragment or its whole text).
export function parseSignIn(text: string): Session | string {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const params = new URLSearchParams(hash.includes('=') ? hash : `token=${hash}`);
  const token = (params.get('token') ?? '').toLowerCase();
  if (!kTokenPattern.test(token)) return '登录码不对：应是64位的数字和字母，请整段复制后再粘贴。';
  const village = parseNumber(params.get('village'));
  if (village === 0 || village > kNumberMax) return '请填写村的编号。';
  return { token, village, household: 0 };
}

export function loadSession(kind: PageKind): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(keyOf(kind)) ?? 'null');
    if (stored && kTokenPattern.test(stored.token) && stored.village > 0) return stored;
  } catch {
    // A damaged entry is treated as signed out.
  }
  return null;
}

// A household's token also goes in a cookie, for pointsd to put the balance in the page's HTML
// (server/http/first_paint.h); it authenticates nothing else (calls carry Authorization).
const kCookie = 'points_session';
const kCookieMaxAgeSeconds = 400 * 24 * 3600; // Chromium's longest; renewed at each open

export function saveSession(kind: PageKind, session: Session): void {
  localStorage.setItem(keyOf(kind), JSON.stringify(session));
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  if (kind === 'household') {
    document.cookie = `${kCookie}=${session.token}; Path=/; SameSite=Strict; Max-Age=${kCookieMaxAgeSeconds}${secure}`;
  }
}

export function signOut(kind: PageKind): void {
  localStorage.removeItem(keyOf(kind));
  if (kind === 'household') document.cookie = `${kCookie}=; Path=/; SameSite=Strict; Max-Age=0`;
}

// Takes a sign-in link's fragment out of the address bar. The board's is stored at once; any
// other page's is returned, for the page to ask the server whose token it is ('' if none).
export function takeFragment(kind: PageKind): string {
  if (!location.hash.includes('token=')) return '';
  const fragment = location.hash;
  history.replaceState(null, '', location.pathname + location.search);
  if (kind !== 'board') return fragment;
  const session = parseSignIn(fragment);
  if (typeof session !== 'string') saveSession(kind, session);
  return '';
}
