// Sign-in by the token alone: AdminService.GetCaller tells a page whose token it holds (name,
// role, village and household, grid or shop), so a sign-in link carries only `#token=HEX` and a
// pasted token needs nothing typed beside it. A token meant for another page is sent there in
// words, and one the server does not know signs nobody in.
import { useEffect } from 'preact/hooks';

import { Code, ConnectError, Role } from '../src/index.js';
import { clientsFor } from './api.js';
import type { Session } from './session.js';

// The pages one signs in to with one's own token (the board is signed in apart: session.ts).
export type CallerPage = 'household' | 'shop' | 'console';

export interface Caller {
  name: string;
  role: Role;
  village: number;
  grid: number;
  shop: number;
  household: number;
}

const kTokenPattern = /^[0-9a-f]{64}$/;
// The largest village number a link's guess may name (uint32 on the wire; villages are few).
const kHintMax = 1 << 20;

const kPageOfRole: Partial<Record<Role, CallerPage>> = {
  [Role.HOUSEHOLD]: 'household',
  [Role.SHOPKEEPER]: 'shop',
  [Role.COMMITTEE]: 'console',
  [Role.GRID_WORKER]: 'console',
};
const kPathOf: Record<CallerPage, string> = { household: '/', shop: '/shop', console: '/console' };
const kUseOf: Record<CallerPage, string> = {
  household: '农户查看自家积分',
  shop: '商店收银',
  console: '村委会、网格员工作台',
};

export const kUnknownToken =
  '这个登录码不对，或者已经停用了，没有登录。请向村委会要一个新的登录码。';
const kCannotAsk = '暂时连不上村里的服务器，还没有登录。请检查网络，稍后再试。';

// The token in a link, a link's fragment or a pasted token; '' when there is none.
export function tokenOf(text: string): string {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const params = new URLSearchParams(hash.includes('=') ? hash : `token=${hash}`);
  const token = (params.get('token') ?? '').toLowerCase();
  return kTokenPattern.test(token) ? token : '';
}

// What an older household link says besides its token (`&village=1&household=1`, as printed on
// QR codes before links carried the token alone): a guess the page may start loading with while
// the server is asked (useRecheck), so such a link costs no extra round trip. null if it says
// nothing.
export function householdHint(link: string): Session | null {
  const token = tokenOf(link);
  const params = new URLSearchParams(link.slice(link.indexOf('#') + 1));
  const village = Number(params.get('village'));
  const household = Number(params.get('household'));
  const fits = (n: number, max: number) => Number.isInteger(n) && n > 0 && n <= max;
  if (!token || !fits(village, kHintMax) || !fits(household, Number.MAX_SAFE_INTEGER)) return null;
  return { token, village, household };
}

// Why `caller` may not sign in to `page`, in words that send it to its own page; '' if it may.
export function wrongPage(caller: Caller, page: CallerPage): string {
  const own = kPageOfRole[caller.role];
  if (own === page) return '';
  if (own) return `这是${kUseOf[own]}的登录码，请到 ${location.origin}${kPathOf[own]} 打开。`;
  if (caller.role === Role.AUDITOR) {
    // The console's reports and operator audit (the board takes its token apart: session.ts).
    return page === 'console'
      ? ''
      : `这是监督委员会的登录码，请到 ${location.origin}/console 打开。`;
  }
  return '这是乡镇管理员的登录码，不能在网页上用。请用自己的登录码，或请村委会帮忙。';
}

export type Checked =
  { caller: Caller; token: string } | { problem: string; offline: boolean; unknown: boolean };

// Asks the server whose `text`'s token is, and whether it belongs on `page`.
export async function checkSignIn(text: string, page: CallerPage): Promise<Checked> {
  const token = tokenOf(text);
  if (!token) {
    return {
      problem: '登录码不对：应是64位的数字和字母，请整段复制后再粘贴。',
      offline: false,
      unknown: false,
    };
  }
  try {
    const { principal: p } = await clientsFor({ token, village: 0, household: 0 }).admin.getCaller(
      {},
    );
    if (!p) throw new ConnectError('no principal', Code.Internal);
    const caller: Caller = {
      name: p.name,
      role: p.role,
      village: p.village,
      grid: p.grid,
      shop: p.shop,
      household: Number(p.household),
    };
    const problem = wrongPage(caller, page);
    return problem ? { problem, offline: false, unknown: false } : { caller, token };
  } catch (error) {
    const unknown = ConnectError.from(error).code === Code.Unauthenticated;
    return { problem: unknown ? kUnknownToken : kCannotAsk, offline: !unknown, unknown };
  }
}

// A session stored before pages asked the server (its village and household or shop came from
// the link) is asked about once: kept as the server describes it (`onChecked`), or signed out
// with the reason (`onRefused`); while the server cannot be reached it is kept as it was, and
// asked again on the next load.
export function useRecheck<S extends { token: string; checked?: boolean }>(
  session: S | null,
  page: CallerPage,
  sessionOf: (token: string, caller: Caller) => S,
  onChecked: (s: S) => void,
  onRefused: (problem: string) => void,
): void {
  const token = session && !session.checked ? session.token : '';
  useEffect(() => {
    if (!token) return;
    let live = true;
    void checkSignIn(token, page).then((r) => {
      if (!live) return;
      if ('caller' in r) onChecked(sessionOf(r.token, r.caller));
      else if (!r.offline) onRefused(r.problem);
    });
    return () => {
      live = false;
    };
  }, [token]);
}
