// The committee's console (村委会工作台) at /console, its own bundle (scripts/bundle.js) so the
// household's page stays small: today's work list and the inspection round, for a committee
// member or a grid worker, each signed in by its own principal's token. What the role may not
// do (a grid worker reviews, decides and verifies nothing: server/AUTHZ.md) is not offered.
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';

import { clientsFor } from '../api.js';
import { applyElderMode, Banner, Header, Help } from '../shell.js';
import '../style.css';
import './console.css';
import { HouseholdsPage } from './households_page.js';
import { Round } from './round.js';
import { Rules } from './rules.js';
import {
  consoleSignOut,
  loadConsoleSession,
  parseConsoleSignIn,
  saveConsoleSession,
  takeConsoleFragment,
  type ConsoleSession,
} from './session.js';
import { WorkList } from './worklist.js';

type Tab = 'work' | 'round' | 'rules' | 'households';

function App() {
  const [session, setSession] = useState<ConsoleSession | null>(loadConsoleSession);
  const leave = () => {
    consoleSignOut();
    setSession(null);
  };
  if (!session) {
    return (
      <>
        <Header title="村委会工作台" />
        <SignIn
          onSession={(s) => {
            saveConsoleSession(s);
            setSession(s);
          }}
        />
        <Help />
      </>
    );
  }
  return <Console session={session} onSignOut={leave} />;
}

function Console(props: { session: ConsoleSession; onSignOut: () => void }) {
  const s = props.session;
  const clients = useMemo(() => clientsFor(s), [s.token]);
  const [tab, setTab] = useState<Tab>('work');
  const who = s.role === 'committee' ? `村委 ${s.name}` : `第${s.grid}网格 网格员 ${s.name}`;
  return (
    <>
      <Header title="村委会工作台" onSignOut={props.onSignOut} />
      <main class="console">
        <p class="who">{who}</p>
        <nav class="tabs" aria-label="工作台">
          {(
            [
              ['work', '今日待办'],
              ['round', '检查记分'],
              ['rules', '积分规则'],
              ['households', '各户名单'],
            ] as [Tab, string][]
          )
            // Rules and households are the committee's only.
            .filter(([t]) => (t !== 'rules' && t !== 'households') || s.role === 'committee')
            .map(([t, name]) => (
              <button
                type="button"
                key={t}
                aria-current={tab === t ? 'page' : undefined}
                class={tab === t ? 'primary' : ''}
                onClick={() => setTab(t)}
              >
                {name}
              </button>
            ))}
        </nav>
        {tab === 'work' && <WorkList clients={clients} session={s} />}
        {tab === 'round' && <Round clients={clients} session={s} />}
        {tab === 'rules' && <Rules clients={clients} session={s} />}
        {tab === 'households' && <HouseholdsPage clients={clients} session={s} />}
      </main>
      <Help />
    </>
  );
}

function SignIn(props: { onSession: (s: ConsoleSession) => void }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    const s = parseConsoleSignIn(code);
    if (typeof s === 'string') setError(s);
    else props.onSession(s);
  };
  return (
    <main class="signin">
      <h2>村委会、网格员登录</h2>
      <p>
        打开村里给你的登录链接就会自动登录；也可以把整段登录链接粘贴在下面。这台电脑会记住，用完请退出登录。
      </p>
      <form onSubmit={submit}>
        <label for="code">登录链接</label>
        <textarea
          id="code"
          rows={3}
          value={code}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setCode((e.target as HTMLTextAreaElement).value)}
        />
        {error && <Banner kind="problem">{error}</Banner>}
        <button type="submit" class="primary">
          登录
        </button>
      </form>
    </main>
  );
}

document.documentElement.classList.add('page-console');
document.title = '村委会工作台';
takeConsoleFragment();
// A sign-in link opened over the sign-in page changes only the fragment: take it and start again.
window.addEventListener('hashchange', () => {
  if (!location.hash.includes('token=')) return;
  takeConsoleFragment();
  location.reload();
});
applyElderMode();
render(<App />, document.getElementById('app')!);
