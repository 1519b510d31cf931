// The committee's console (村委会工作台) at /console, its own bundle (scripts/bundle.js) so the
// household's page stays small: today's work list and the inspection round, for a committee
// member or a grid worker, each signed in by its own principal's token. What the role may not
// do (a grid worker reviews, decides and verifies nothing: server/AUTHZ.md) is not offered.
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';

import { clientsFor } from '../api.js';
import { checkSignIn } from '../caller.js';
import { applyElderMode, Header, Help, SignIn } from '../shell.js';
import '../style.css';
import './console.css';
import { HouseholdsPage } from './households_page.js';
import { Round } from './round.js';
import { Rules } from './rules.js';
import { Shops } from './shops.js';
import { Tasks } from './tasks.js';
import {
  consoleSession,
  consoleSignOut,
  loadConsoleSession,
  saveConsoleSession,
  takeConsoleFragment,
  type ConsoleSession,
  type Role,
} from './session.js';
import { WorkList } from './worklist.js';

type Tab = 'work' | 'round' | 'tasks' | 'shops' | 'rules' | 'households';

// What each role is offered: a grid worker scores its grid; the rest is the committee's.
const kTabs: [Tab, string, Role[]][] = [
  ['work', '今日待办', ['committee', 'grid']],
  ['round', '检查记分', ['committee', 'grid']],
  ['tasks', '任务', ['committee']],
  ['shops', '商店结算', ['committee']],
  ['rules', '积分规则', ['committee']],
  ['households', '各户名单', ['committee']],
];

// An unchecked stored session (its role and name came from an older link) is checked like a
// link: the console offers nothing the server has not said the token may do.
function App(props: { link: string }) {
  const [stored] = useState(loadConsoleSession);
  const [session, setSession] = useState<ConsoleSession | null>(
    stored?.checked && !props.link ? stored : null,
  );
  const [problem, setProblem] = useState('');
  const leave = () => {
    consoleSignOut();
    setSession(null);
  };
  if (!session) {
    const link = props.link || (stored && !stored.checked ? `token=${stored.token}` : '');
    const check = async (text: string) => {
      const r = await checkSignIn(text, 'console');
      if (!('caller' in r)) {
        // Only a stored token the server no longer knows is forgotten; a bad link keeps what
        // this device had.
        if (r.unknown && !props.link && stored) {
          consoleSignOut();
          setProblem('这台电脑上保存的登录已经失效，请重新登录。');
        }
        return r.problem;
      }
      const s = consoleSession(r.token, r.caller);
      saveConsoleSession(s);
      setSession(s);
      return '';
    };
    return (
      <>
        <Header title="村委会工作台" />
        <SignIn kind="console" problem={problem} link={link} check={check} />
        <Help />
      </>
    );
  }
  return <Console key={session.token} session={session} onSignOut={leave} />;
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
          {kTabs
            .filter(([, , roles]) => roles.includes(s.role))
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
        {tab === 'tasks' && <Tasks clients={clients} session={s} />}
        {tab === 'shops' && <Shops clients={clients} session={s} />}
        {tab === 'rules' && <Rules clients={clients} session={s} />}
        {tab === 'households' && <HouseholdsPage clients={clients} session={s} />}
      </main>
      <Help />
    </>
  );
}

document.documentElement.classList.add('page-console');
document.title = '村委会工作台';
const link = takeConsoleFragment();
// A sign-in link opened over the sign-in page changes only the fragment: start again with it.
window.addEventListener('hashchange', () => {
  if (location.hash.includes('token=')) location.reload();
});
applyElderMode();
render(<App link={link} />, document.getElementById('app')!);
