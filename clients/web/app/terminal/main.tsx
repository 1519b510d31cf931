// The shop's terminal at /shop: its own bundle (with the QR decoder), so the household's page
// stays small. A sign-in link's fragment (…/shop#token=…&village=1&shop=1) is taken into this
// device's storage first; the service worker (sw.js, from scripts/bundle.js) keeps the page
// working without a link.
import { render } from 'preact';
import { useState } from 'preact/hooks';

import { loadSession, saveSession, signOut, takeFragment, type Session } from '../session.js';
import { Header, Help, SignIn } from '../shell.js';
import '../style.css';
import './terminal.css';
import { TerminalPage } from './terminal.js';

function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession('shop'));
  const [problem, setProblem] = useState('');
  if (!session) {
    return (
      <>
        <Header title="积分超市 收银台" />
        <SignIn
          kind="shop"
          problem={problem}
          onSession={(s) => {
            saveSession('shop', s);
            setProblem('');
            setSession(s);
          }}
        />
        <Help />
      </>
    );
  }
  return (
    <TerminalPage
      session={session}
      onSignOut={(why) => {
        signOut('shop');
        setProblem(why ?? '');
        setSession(null);
      }}
    />
  );
}

document.documentElement.classList.add('page-shop');
document.title = '积分超市 收银台';
takeFragment('shop');
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/shop-sw.js', { scope: '/shop' }).catch(() => undefined);
}
render(<App />, document.getElementById('app')!);
