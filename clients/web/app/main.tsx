// The web app: the household's page at /, the notice board at /board (pointsd serves
// index.html for both, server/README.md "HTTP"). A sign-in link's fragment is taken into this
// device's storage first.
import { render } from 'preact';
import { useState } from 'preact/hooks';

import type { GetHouseholdResponse } from '../src/index.js';
import { BoardPage } from './board.js';
import { takeFirstPaint } from './first_paint.js';
import { HouseholdPage } from './household.js';
import {
  loadSession,
  saveSession,
  signOut,
  takeFragment,
  type PageKind,
  type Session,
} from './session.js';
import { applyElderMode, Header, Help, SignIn, useElderMode } from './shell.js';
import './style.css';

function App(props: { kind: PageKind; first: GetHouseholdResponse | null }) {
  const [session, setSession] = useState<Session | null>(() => loadSession(props.kind));
  const [problem, setProblem] = useState('');
  const [elder, setElder] = useElderMode();
  const leave = (why?: string) => {
    signOut(props.kind);
    setProblem(why ?? '');
    setSession(null);
  };
  if (!session) {
    const start = (s: Session) => {
      saveSession(props.kind, s);
      setProblem('');
      setSession(s);
    };
    return (
      <>
        <Header
          title={props.kind === 'board' ? '积分公示栏' : '积分超市'}
          elder={elder}
          onElder={props.kind === 'board' ? undefined : setElder}
        />
        <SignIn kind={props.kind} problem={problem} onSession={start} />
        <Help />
      </>
    );
  }
  return props.kind === 'board' ? (
    <BoardPage session={session} onSignOut={leave} />
  ) : (
    <HouseholdPage session={session} first={props.first} onSignOut={leave} />
  );
}

const kind: PageKind = location.pathname.replace(/\/+$/, '') === '/board' ? 'board' : 'household';
document.documentElement.classList.add(`page-${kind}`);
document.title = kind === 'board' ? '积分公示栏' : '我家的积分';
takeFragment(kind);
// Saved again at each open: the cookie's age renews, and a device signed in before the cookie
// existed gets it.
const stored = loadSession(kind);
if (stored) saveSession(kind, stored);
applyElderMode();
render(<App kind={kind} first={takeFirstPaint(stored)} />, document.getElementById('app')!);
