// The console's sign-in: a committee member's or a grid worker's token, from a sign-in link
// (/console#token=HEX) or pasted, kept in this device's localStorage until sign-out, apart from
// a household's session on the same device. The role, name, village and grid are the server's
// word (AdminService.GetCaller, ../caller.ts), never the link's: the role decides what is offered,
// the name keeps one's own awards out of one's review list (the server refuses them anyway).
import { Role as PrincipalRole } from '../../src/index.js';
import type { Caller } from '../caller.js';
import type { Session } from '../session.js';

export type Role = 'committee' | 'grid' | 'auditor';

export interface ConsoleSession extends Session {
  role: Role;
  name: string; // the principal's name, as recorded_by shows it
  grid: number; // a grid worker's grid, 0 for the committee
  // village: 0 for an auditor of a town or the county, who picks the village to read.
}

const kKey = 'points.session.console';
const kTokenPattern = /^[0-9a-f]{64}$/;
const kNamePattern = /^[\w.-]{1,64}$/;

// The console's session as the server describes a committee member's, grid worker's or
// auditor's token.
export function consoleSession(token: string, c: Caller): ConsoleSession {
  const grid = c.role === PrincipalRole.GRID_WORKER;
  return {
    token,
    village: c.village,
    household: 0,
    role: grid ? 'grid' : c.role === PrincipalRole.AUDITOR ? 'auditor' : 'committee',
    name: c.name,
    grid: grid ? c.grid : 0,
    checked: true,
  };
}

// A stored session the server described (`checked`); one from the link's own words, stored by
// an older page, is asked about again by the sign-in.
export function loadConsoleSession(): ConsoleSession | null {
  try {
    const s = JSON.parse(localStorage.getItem(kKey) ?? 'null');
    const village = s?.village > 0 || (s?.role === 'auditor' && s.village === 0);
    if (s && kTokenPattern.test(s.token) && village && kNamePattern.test(s.name)) return s;
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

// Takes a sign-in link's fragment out of the address bar, for the sign-in to check ('' if none).
export function takeConsoleFragment(): string {
  if (!location.hash.includes('token=')) return '';
  const fragment = location.hash;
  history.replaceState(null, '', location.pathname + location.search);
  return fragment;
}
