// The shop's terminal at /shop: its own bundle (with the QR decoder), so the household's page
// stays small. A sign-in link's fragment (…/shop#token=HEX) is taken out of the address bar
// first; the server says whose token it is (caller.ts: a shopkeeper's, its village and shop)
// before it is stored. The service worker (sw.js, from scripts/bundle.js) keeps the page
// working without a link.
import { render } from 'preact';
import { useState } from 'preact/hooks';

import { loadSession, saveSession, signOut, takeFragment, type Session } from '../session.js';
import { Header, Help, SignIn } from '../shell.js';
import { checkSignIn, useRecheck, type Caller } from '../caller.js';
import '../style.css';
import './terminal.css';
import { TerminalPage } from './terminal.js';

// A shop's session as the server describes its shopkeeper's token.
const shopSession = (token: string, c: Caller): Session => ({
  token,
  village: c.village,
  household: 0,
  shop: c.shop,
  checked: true,
});

function App(props: { link: string }) {
  // A link's token is asked about before it replaces what this device keeps.
  const [session, setSession] = useState<Session | null>(() =>
    props.link ? null : loadSession('shop'),
  );
  const [problem, setProblem] = useState('');
  const start = (s: Session) => {
    saveSession('shop', s);
    setProblem('');
    setSession(s);
  };
  const leave = (why?: string) => {
    signOut('shop');
    setProblem(why ?? '');
    setSession(null);
  };
  useRecheck(session, 'shop', shopSession, start, leave);
  if (!session) {
    const check = async (text: string) => {
      const r = await checkSignIn(text, 'shop');
      if (!('caller' in r)) return r.problem;
      start(shopSession(r.token, r.caller));
      return '';
    };
    return (
      <>
        <Header title="积分超市 收银台" />
        <SignIn kind="shop" problem={problem} link={props.link} check={check} />
        <Help />
      </>
    );
  }
  return (
    <TerminalPage
      key={`${session.token}:${session.village}:${session.shop}`}
      session={session}
      onSignOut={leave}
    />
  );
}

document.documentElement.classList.add('page-shop');
document.title = '积分超市 收银台';
const link = takeFragment('shop');
// A sign-in link opened over an open page changes only the fragment: start again with it.
window.addEventListener('hashchange', () => {
  if (location.hash.includes('token=')) location.reload();
});
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/shop-sw.js', { scope: '/shop' }).catch(() => undefined);
}
render(<App link={link} />, document.getElementById('app')!);
