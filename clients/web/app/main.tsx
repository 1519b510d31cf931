// The web app: the household's page at /, the notice board at /board (pointsd serves
// index.html for both, server/README.md "HTTP"). A sign-in link's fragment is taken out of the
// address bar first; its token is checked with the server (caller.ts) before it is stored.
import { render } from 'preact';
import { useState } from 'preact/hooks';

import type { GetHouseholdResponse } from '../src/index.js';
import { BoardPage } from './board.js';
import { takeFirstPaint } from './first_paint.js';
import { HouseholdPage } from './household.js';
import { checkSignIn, householdHint, useRecheck, type Caller } from './caller.js';
import {
  loadSession,
  parseSignIn,
  saveSession,
  signOut,
  takeFragment,
  type PageKind,
  type Session,
} from './session.js';
import { applyElderMode, Header, Help, SignIn, useElderMode } from './shell.js';
import './style.css';

// A household's session as the server describes its token.
const householdSession = (token: string, c: Caller): Session => ({
  token,
  village: c.village,
  household: c.household,
  checked: true,
});

function App(props: { kind: PageKind; link: string; first: GetHouseholdResponse | null }) {
  // A link's token is asked about before it replaces what this device keeps (an older link's
  // own numbers are a guess to start with meanwhile, kept only once the server agrees).
  const [session, setSession] = useState<Session | null>(() =>
    props.link ? householdHint(props.link) : loadSession(props.kind),
  );
  const [problem, setProblem] = useState('');
  const [elder, setElder] = useElderMode();
  const start = (s: Session) => {
    saveSession(props.kind, s);
    setProblem('');
    setSession(s);
  };
  const leave = (why?: string) => {
    signOut(props.kind);
    setProblem(why ?? '');
    setSession(null);
  };
  useRecheck(
    props.kind === 'household' ? session : null,
    'household',
    householdSession,
    start,
    leave,
  );
  if (!session) {
    const check = async (text: string) => {
      if (props.kind === 'board') {
        const s = parseSignIn(text);
        if (typeof s === 'string') return s;
        start(s);
        return '';
      }
      const r = await checkSignIn(text, 'household');
      if (!('caller' in r)) return r.problem;
      start(householdSession(r.token, r.caller));
      return '';
    };
    return (
      <>
        <Header
          title={props.kind === 'board' ? '积分公示栏' : '积分超市'}
          elder={elder}
          onElder={props.kind === 'board' ? undefined : setElder}
        />
        <SignIn kind={props.kind} problem={problem} link={props.link} check={check} />
        <Help />
      </>
    );
  }
  // A new session (the server described a stored one otherwise) is a new page.
  const key = `${session.token}:${session.village}:${session.household}`;
  return props.kind === 'board' ? (
    <BoardPage key={key} session={session} onSignOut={leave} />
  ) : (
    <HouseholdPage key={key} session={session} first={props.first} onSignOut={leave} />
  );
}

const kind: PageKind = location.pathname.replace(/\/+$/, '') === '/board' ? 'board' : 'household';
document.documentElement.classList.add(`page-${kind}`);
document.title = kind === 'board' ? '积分公示栏' : '我家的积分';
const link = takeFragment(kind);
// A sign-in link opened over an open page changes only the fragment: start again with it.
window.addEventListener('hashchange', () => {
  if (location.hash.includes('token=')) location.reload();
});
// Saved again at each open: the cookie's age renews, and a device signed in before the cookie
// existed gets it.
const stored = loadSession(kind);
if (stored) saveSession(kind, stored);
applyElderMode();
// The first paint is of the stored session's household: not for a sign-in link's.
const first = takeFirstPaint(link ? null : stored);
render(<App kind={kind} link={link} first={first} />, document.getElementById('app')!);
