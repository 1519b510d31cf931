// The committee's console (村委会工作台) at /console, its own bundle (scripts/bundle.js) so the
// household's page stays small: today's work list, the inspection round, tasks, shops and
// settlement, the month's report, rules and households, for a committee member, a grid worker
// or the supervision committee's auditor, each signed in by its own principal's token. What the
// role may not do (a grid worker reviews, decides and verifies nothing; the auditor writes
// nothing: server/AUTHZ.md) is not offered.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';

import type { Village } from '../../src/index.js';
import { clientsFor } from '../api.js';
import { checkSignIn } from '../caller.js';
import { applyElderMode, Banner, Header, Help, SignIn } from '../shell.js';
import '../style.css';
import { Audit } from './audit.js';
import './console.css';
import { HouseholdsPage } from './households_page.js';
import { Reports } from './reports.js';
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

type Tab = 'work' | 'round' | 'tasks' | 'shops' | 'reports' | 'audit' | 'rules' | 'households';

// What each role is offered: a grid worker scores its grid; the auditor reads the shops, the
// reports and the operator audit; the rest is the committee's.
const kTabs: [Tab, string, Role[]][] = [
  ['work', '今日待办', ['committee', 'grid']],
  ['round', '检查记分', ['committee', 'grid']],
  ['tasks', '任务', ['committee']],
  ['shops', '商店结算', ['committee']],
  ['shops', '各商店', ['auditor']],
  ['reports', '月度报表', ['committee', 'auditor']],
  ['audit', '操作记录', ['auditor']],
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

const kWho: Record<Role, (s: ConsoleSession) => string> = {
  committee: (s) => `村委 ${s.name}`,
  grid: (s) => `第${s.grid}网格 网格员 ${s.name}`,
  auditor: (s) => `监督委员会 ${s.name}`,
};

function Console(props: { session: ConsoleSession; onSignOut: () => void }) {
  const clients = useMemo(() => clientsFor(props.session), [props.session.token]);
  const [tab, setTab] = useState<Tab>(props.session.role === 'auditor' ? 'reports' : 'work');
  const [villages, setVillages] = useState<Village[]>([]);
  const [picked, setPicked] = useState(0);
  const [problem, setProblem] = useState('');
  // An auditor of a town or the county reads one village at a time, of its choosing.
  const pick = props.session.village === 0;
  useEffect(() => {
    if (!pick) return;
    clients.villages.listVillages({}).then(
      (r) => (setVillages(r.villages), setPicked(r.villages[0]?.village ?? 0)),
      () => setProblem('暂时连不上村里的服务器。请检查网络，稍后再试。'),
    );
  }, []);
  const s = pick ? { ...props.session, village: picked } : props.session;
  return (
    <>
      <Header title="村委会工作台" onSignOut={props.onSignOut} />
      <main class="console">
        <p class="who">{kWho[s.role](s)}</p>
        {problem && <Banner kind="problem">{problem}</Banner>}
        {pick && villages.length > 0 && (
          <div class="row pickers village-pick no-print">
            <label>
              查看哪个村
              <select
                value={picked}
                onChange={(e) => setPicked(Number((e.target as HTMLSelectElement).value))}
              >
                {villages.map((v) => (
                  <option key={v.village} value={v.village}>
                    {v.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
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
        {s.village > 0 && <Page tab={tab} clients={clients} session={s} key={s.village} />}
      </main>
      <Help />
    </>
  );
}

function Page(props: {
  tab: Tab;
  clients: ReturnType<typeof clientsFor>;
  session: ConsoleSession;
}) {
  const { tab, clients, session: s } = props;
  return (
    <>
      {tab === 'work' && <WorkList clients={clients} session={s} />}
      {tab === 'round' && <Round clients={clients} session={s} />}
      {tab === 'tasks' && <Tasks clients={clients} session={s} />}
      {tab === 'shops' && <Shops clients={clients} session={s} />}
      {tab === 'reports' && <Reports clients={clients} session={s} />}
      {tab === 'audit' && <Audit clients={clients} session={s} />}
      {tab === 'rules' && <Rules clients={clients} session={s} />}
      {tab === 'households' && <HouseholdsPage clients={clients} session={s} />}
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
