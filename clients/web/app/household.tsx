// The household's page: its balance, large; what is on notice for and against it, with an
// "object" action; the month's passbook (printable); points that expire; the payment code;
// tasks to claim and complete. Live: every balance change of its account (WatchAccounts,
// resumed after a drop from the last change) reloads what it shows.
import { useEffect, useRef, useState } from 'preact/hooks';

import {
  Category,
  ClaimantKind,
  ClaimState,
  TaskState,
  watchAccounts,
  type BoardAward,
  type Claim,
  type ExpiringPoints,
  type GetHouseholdResponse,
  type GetStatementResponse,
  type StatementLine,
  type Task,
} from '../src/index.js';
import { clientsFor, explain, type Clients } from './api.js';
import { Community } from './community.js';
import {
  dateTime,
  dayOf,
  fullDate,
  hex,
  monthName,
  nanosToMs,
  plainName,
  points,
  randomId,
  remaining,
  thisMonth,
} from './format.js';
import { describe, Passbook, postedLines } from './passbook.js';
import { PayCode } from './paycode.js';
import { ReceiptPanel } from './proof.js';
import { Stars } from './rating.js';
import type { Session } from './session.js';
import { Banner, Header, Help, useElderMode, useNow } from './shell.js';

// Besides the live stream: tasks and the board change without touching the balance.
const kPollMs = 30_000;
// While the server cannot be reached, try again this often.
const kRetryMs = 3_000;
const kSpokenMovements = 3;
const kBurstMs = 150;

export interface TaskView {
  task: Task;
  mine?: Claim;
}

export interface HouseholdView {
  name: string;
  village: string;
  accountId: Uint8Array;
  balance: bigint;
  incoming: bigint;
  outgoing: bigint;
  expiring: ExpiringPoints[];
  onNotice: BoardAward[];
  statement: GetStatementResponse;
  rules: Map<number, string>;
}

async function loadTasks(c: Clients, s: Session): Promise<TaskView[]> {
  const { tasks } = await c.tasks.listTasks({ village: s.village });
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const open = tasks.filter((t) => t.state === TaskState.OPEN && t.deadline > nowNs);
  return Promise.all(
    open.map(async (task) => {
      const { claims } = await c.tasks.getTask({ village: s.village, task: task.task });
      const mine = claims.find(
        (cl) => cl.claimantKind === ClaimantKind.HOUSEHOLD && cl.claimant === BigInt(s.household),
      );
      return { task, mine };
    }),
  );
}

export async function loadHousehold(c: Clients, s: Session): Promise<HouseholdView> {
  const household = BigInt(s.household);
  const [h, statement, board, villages, rules] = await Promise.all([
    c.villages.getHousehold({ village: s.village, household }),
    c.board.getStatement({ village: s.village, household, month: thisMonth() }),
    c.board.getBoard({ village: s.village }),
    c.villages.listVillages({}),
    c.awards.listRules({ village: s.village }),
  ]);
  const names = new Map<number, string>();
  for (const r of rules.rules) names.set(r.rule, r.name); // versions in order: the latest wins
  return {
    name: h.household?.name || `${s.household}号户`,
    village: villages.villages.find((v) => v.village === s.village)?.name ?? '',
    accountId: h.household?.accountId ?? new Uint8Array(),
    balance: h.pointsBalance,
    incoming: h.pointsIncoming,
    outgoing: h.pointsOutgoing,
    expiring: h.expiring,
    onNotice: board.onNotice.filter((a) => a.household === household),
    statement,
    rules: names,
  };
}

// What "读给我听" says: the balance, what is on notice, the last movements.
export function spokenText(v: HouseholdView): string {
  let text = `${v.name}，您家现在有${points(v.balance)}积分。`;
  if (v.incoming > 0n) text += `还有${points(v.incoming)}积分正在公示，公示结束后到账。`;
  if (v.outgoing > 0n) text += `有${points(v.outgoing)}积分的扣分正在公示。`;
  const last = postedLines(v.statement).slice(-kSpokenMovements).reverse();
  if (last.length > 0) {
    text += '最近的记录：';
    for (const line of last) {
      const way = line.credit ? '收入' : '支出';
      text += `${dayOf(line.timestamp)}，${describe(line, v.rules)}，${way}${points(line.amount)}分。`;
    }
  }
  return text;
}

function readAloud(text: string): boolean {
  if (!('speechSynthesis' in window)) return false;
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = 'zh-CN';
  utterance.rate = 0.9;
  speechSynthesis.cancel();
  speechSynthesis.speak(utterance);
  return true;
}

// The figures alone (the first paint's, before the page's reads) have nothing to read aloud yet.
function Balance(props: {
  view: Pick<HouseholdView, 'balance' | 'incoming' | 'outgoing'>;
  onSpeak?: () => void;
  spoken: string;
}) {
  const v = props.view;
  return (
    <section class="card balance" aria-labelledby="balance-title">
      <h2 id="balance-title">我家现有积分</h2>
      <p class="figure" data-testid="balance">
        {points(v.balance)}
        <span class="unit">分</span>
      </p>
      {v.incoming > 0n && (
        <p>
          另有 <strong>+{points(v.incoming)}</strong> 分正在公示，公示结束后到账。
        </p>
      )}
      {v.outgoing > 0n && (
        <p>
          另有 <strong>-{points(v.outgoing)}</strong> 分的扣分正在公示。
        </p>
      )}
      {props.onSpeak && (
        <button type="button" class="speak" onClick={props.onSpeak}>
          <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor" />
            <path
              d="M16 8.5a5 5 0 0 1 0 7M19 5.5a9 9 0 0 1 0 13"
              fill="none"
              stroke="currentColor"
              stroke-width="2"
              stroke-linecap="round"
            />
          </svg>
          读给我听
        </button>
      )}
      {props.spoken && <Banner kind="problem">{props.spoken}</Banner>}
    </section>
  );
}

function Objection(props: { award: BoardAward; onObject: (reason: string) => Promise<string> }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const id = `reason-${hex(props.award.awardId)}`;
  if (props.award.objected) {
    return <p class="flag">⚠ 已有异议，暂缓入账，等村委会处理。</p>;
  }
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        我有异议
      </button>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!reason.trim()) return setProblem('请写明有什么不对。');
    setProblem(await props.onObject(reason.trim()));
  };
  return (
    <form class="objection" onSubmit={submit}>
      <label for={id}>有什么不对？请写明理由（村委会会看到）</label>
      <textarea
        id={id}
        rows={3}
        value={reason}
        onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
      />
      {problem && <Banner kind="problem">{problem}</Banner>}
      <div class="row">
        <button type="submit" class="primary">
          提交异议
        </button>
        <button type="button" class="quiet" onClick={() => setOpen(false)}>
          取消
        </button>
      </div>
    </form>
  );
}

function Notices(props: {
  view: HouseholdView;
  now: number;
  onObject: (a: BoardAward, reason: string) => Promise<string>;
}) {
  const list = props.view.onNotice;
  return (
    <section class="card" aria-labelledby="notice-title">
      <h2 id="notice-title">正在公示（与我家有关）</h2>
      {list.length === 0 && <p>现在没有与我家有关的公示。</p>}
      <ul class="notices">
        {list.map((a) => {
          const deduction = a.category === Category.DEDUCTION;
          const ends = nanosToMs(a.noticeEndsAt);
          return (
            <li key={hex(a.awardId)} data-testid="my-notice">
              <p class="what">
                <span class={deduction ? 'out' : 'in'}>
                  {deduction ? '-' : '+'}
                  {points(a.points)}分
                </span>{' '}
                {deduction ? '扣分：' : ''}
                {plainName(a.ruleName)}
              </p>
              {a.note && <p>理由：{plainName(a.note)}</p>}
              {!a.objected && (
                <p>
                  公示到 {dateTime(a.noticeEndsAt)}（{remaining(ends, props.now)}）
                </p>
              )}
              <Objection award={a} onObject={(reason) => props.onObject(a, reason)} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const kRedemptionCode = 20;

// This month's redemptions, one per basket, to rate.
function Ratings(props: { view: HouseholdView; clients: Clients; session: Session }) {
  const seen = new Set<string>();
  const baskets = postedLines(props.view.statement).filter((l) => {
    if (l.code !== kRedemptionCode || l.reference.length === 0) return false;
    const key = hex(l.reference);
    return !seen.has(key) && seen.add(key);
  });
  if (baskets.length === 0) return null;
  return (
    <section class="card no-print" aria-labelledby="rate-title">
      <h2 id="rate-title">评价本月的兑换</h2>
      <ul class="tasks">
        {baskets.map((l) => (
          <li key={hex(l.reference)}>
            <p class="what">{dateTime(l.timestamp)} 在商店兑换</p>
            <Stars
              clients={props.clients}
              session={props.session}
              subject={{ basket: l.reference }}
              what="这次兑换"
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Expiring(props: { expiring: ExpiringPoints[] }) {
  const list = props.expiring.filter((e) => e.points > 0n);
  return (
    <section class="card" aria-labelledby="expiry-title">
      <h2 id="expiry-title">积分到期</h2>
      {list.length === 0 ? (
        <p>您家的积分目前没有到期时间，可以放心使用。</p>
      ) : (
        <ul>
          {list.map((e) => (
            <li key={e.year}>
              <strong>{points(e.points)}</strong> 分请在 {fullDate(nanosToMs(e.expiresAt) - 1)}{' '}
              之前用掉，过了这天就作废。
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TaskItem(props: {
  view: TaskView;
  clients: Clients;
  session: Session;
  onClaim: () => Promise<string>;
  onComplete: (note: string) => Promise<string>;
}) {
  const { task, mine } = props.view;
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const noteId = `task-note-${task.task}`;
  let action;
  if (!mine) {
    action =
      task.slotsLeft > 0n ? (
        <button
          type="button"
          class="primary"
          onClick={async () => setProblem(await props.onClaim())}
        >
          我来认领
        </button>
      ) : (
        <p>名额已满。</p>
      );
  } else if (mine.state === ClaimState.CLAIMED || mine.state === ClaimState.CLAIMING) {
    action = (
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setProblem(await props.onComplete(note.trim()));
        }}
      >
        <p>您家已认领。做完后写几句做了什么，再点"我做完了"。</p>
        <label for={noteId}>做了什么</label>
        <textarea
          id={noteId}
          rows={2}
          value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" class="primary">
          我做完了
        </button>
      </form>
    );
  } else if (mine.state === ClaimState.COMPLETED || mine.state === ClaimState.VERIFYING) {
    action = <p class="ok">已做完，等村委会核实。</p>;
  } else if (mine.state === ClaimState.VERIFIED) {
    action = (
      <>
        <p class="ok">村委会已核实，积分正在公示。</p>
        <Stars
          clients={props.clients}
          session={props.session}
          subject={{ task: task.task }}
          what="这个任务"
        />
      </>
    );
  } else if (mine.state === ClaimState.REFUSED) {
    action = <p>没有认领上（名额可能已满）。</p>;
  } else {
    action = <p>已过了截止时间。</p>;
  }
  return (
    <li>
      <p class="what">{task.title}</p>
      <p>
        完成可得 <strong>{points(task.pointsPerClaim)}</strong> 分 · 还剩 {points(task.slotsLeft)}{' '}
        个名额 · 截止 {dateTime(task.deadline)}
      </p>
      {action}
      {problem && <Banner kind="problem">{problem}</Banner>}
    </li>
  );
}

function Tasks(props: {
  tasks: TaskView[] | null;
  clients: Clients;
  session: Session;
  refresh: () => void;
}) {
  const { clients, session } = props;
  const claimant = { claimantKind: ClaimantKind.HOUSEHOLD, claimant: BigInt(session.household) };
  const act = async (call: () => Promise<unknown>, refused: string) => {
    try {
      await call();
      props.refresh();
      return '';
    } catch (error) {
      return explain(error, refused).text;
    }
  };
  return (
    <section class="card no-print" aria-labelledby="tasks-title">
      <h2 id="tasks-title">可以认领的任务</h2>
      {!props.tasks && <p>正在读取任务……</p>}
      {props.tasks?.length === 0 && <p>现在没有可以认领的任务。</p>}
      <ul class="tasks">
        {props.tasks?.map((t) => (
          <TaskItem
            key={t.task.task}
            view={t}
            clients={clients}
            session={session}
            onClaim={() =>
              act(
                () =>
                  clients.tasks.claimTask({
                    village: session.village,
                    task: t.task.task,
                    claimId: randomId(),
                    ...claimant,
                  }),
                '没有认领上：可能名额已满，或已过截止时间。',
              )
            }
            onComplete={(note) =>
              act(
                () =>
                  clients.tasks.completeTask({
                    village: session.village,
                    task: t.task.task,
                    ...claimant,
                    evidence: ['居民自述'],
                    note: note || '已完成',
                  }),
                '没有提交上：可能已过截止时间。',
              )
            }
          />
        ))}
      </ul>
    </section>
  );
}

// Loads the view, again on every balance change and every kPollMs, and every kRetryMs while the
// server cannot be reached. `online` is false from a failed load or a dropped stream until a
// load succeeds.
function useHousehold(clients: Clients, session: Session) {
  const [view, setView] = useState<HouseholdView | null>(null);
  // Apart: one more round trip (a task's claims), which the balance need not wait for.
  const [tasks, setTasks] = useState<TaskView[] | null>(null);
  const [online, setOnline] = useState(true);
  const [fatal, setFatal] = useState('');
  const [problem, setProblem] = useState('');
  const generation = useRef(0);
  const retry = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = async () => {
    const mine = ++generation.current;
    clearTimeout(retry.current);
    loadTasks(clients, session).then(
      (loaded) => mine === generation.current && setTasks(loaded),
      () => {}, // the view's load says what went wrong
    );
    try {
      const loaded = await loadHousehold(clients, session);
      if (mine !== generation.current) return;
      setView(loaded);
      setOnline(true);
      setProblem('');
    } catch (error) {
      if (mine !== generation.current) return;
      const p = explain(error);
      if (p.fatal) return setFatal(p.text);
      setOnline(false);
      setProblem(p.text);
      retry.current = setTimeout(refresh, kRetryMs);
    }
  };

  useEffect(() => {
    void refresh();
    const poll = setInterval(refresh, kPollMs);
    const back = () => void refresh();
    window.addEventListener('online', back);
    return () => {
      clearInterval(poll);
      clearTimeout(retry.current);
      window.removeEventListener('online', back);
    };
  }, []);

  // A stream's first answer replays the account's history: one load for a burst of changes.
  const soon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshSoon = () => {
    clearTimeout(soon.current);
    soon.current = setTimeout(refresh, kBurstMs);
  };

  // The stream restarts when the device comes back online (a dead link can hold a stream open
  // without an error for minutes), from the last change received: nothing missed or repeated.
  const account = view ? hex(view.accountId) : '';
  const cursor = useRef(0n);
  const [link, setLink] = useState(0);
  useEffect(() => {
    const down = () => setOnline(false);
    const up = () => setLink((n) => n + 1);
    window.addEventListener('offline', down);
    window.addEventListener('online', up);
    return () => {
      window.removeEventListener('offline', down);
      window.removeEventListener('online', up);
    };
  }, []);
  useEffect(() => {
    if (!view || view.accountId.length === 0) return;
    const stop = new AbortController();
    (async () => {
      try {
        for await (const change of watchAccounts(clients.ledger, [view.accountId], {
          afterTimestamp: cursor.current,
          signal: stop.signal,
          delayMs: 500,
          maxDelayMs: 4000,
          onResume: () => {
            setOnline(false);
            refreshSoon();
          },
        })) {
          cursor.current = change.timestamp;
          refreshSoon();
        }
      } catch (error) {
        const p = explain(error);
        if (p.fatal) return setFatal(p.text);
        // Not a drop the watch resumes by itself: watch again a little later all the same.
        if (!stop.signal.aborted) setTimeout(() => setLink((n) => n + 1), kRetryMs);
      }
    })();
    return () => stop.abort();
  }, [account, link]);

  return { view, tasks, online, fatal, problem, refresh };
}

export function HouseholdPage(props: {
  session: Session;
  first?: GetHouseholdResponse | null; // the first paint's answer (first_paint.ts)
  onSignOut: (problem?: string) => void;
}) {
  const clients = useRef(clientsFor(props.session)).current;
  const { view, tasks, online, fatal, problem, refresh } = useHousehold(clients, props.session);
  const [elder, setElder] = useElderMode();
  const [spoken, setSpoken] = useState('');
  const [done, setDone] = useState('');
  // The passbook line whose receipt is open (the line as it was when tapped).
  const [receiptOf, setReceiptOf] = useState<StatementLine | null>(null);
  const now = useNow(1000);

  if (fatal) {
    return (
      <>
        <Header title="我家的积分" />
        <main>
          <Banner kind="problem">{fatal}</Banner>
          <button type="button" class="primary" onClick={() => props.onSignOut(fatal)}>
            重新登录
          </button>
        </main>
        <Help />
      </>
    );
  }
  const object = async (award: BoardAward, reason: string) => {
    try {
      await clients.awards.objectToAward({
        village: props.session.village,
        awardId: award.awardId,
        reason,
      });
      setDone('异议已提交，暂缓入账。村委会会来了解情况。');
      void refresh();
      return '';
    } catch (error) {
      return explain(error, '异议没有提交上：公示期可能已经结束。').text;
    }
  };
  const title = view ? `${view.village} · ${view.name}` : '我家的积分';
  return (
    <>
      <Header title={title} elder={elder} onElder={setElder} onSignOut={() => props.onSignOut()} />
      <main class="household">
        {!online && <Banner kind="offline">网络断开了，正在重新连接……连上后会自动更新。</Banner>}
        {problem && online && <Banner kind="problem">{problem}</Banner>}
        {done && <Banner kind="done">{done}</Banner>}
        {!view && props.first && (
          <Balance
            view={{
              balance: props.first.pointsBalance,
              incoming: props.first.pointsIncoming,
              outgoing: props.first.pointsOutgoing,
            }}
            spoken=""
          />
        )}
        {!view ? (
          <p>正在读取我家的积分……</p>
        ) : (
          <>
            <Balance
              view={view}
              spoken={spoken}
              onSpeak={() =>
                setSpoken(readAloud(spokenText(view)) ? '' : '这台手机不能朗读，请看屏幕上的数字。')
              }
            />
            <Notices view={view} now={now} onObject={object} />
            <section class="card no-print" aria-labelledby="pay-title">
              <h2 id="pay-title">付款码</h2>
              <PayCode clients={clients} session={props.session} />
            </section>
            <section class="card print-only-card" aria-labelledby="book-title">
              <div class="section-head">
                <h2 id="book-title">积分存折</h2>
                <button type="button" class="no-print" onClick={() => window.print()}>
                  打印存折
                </button>
              </div>
              <p class="print-only">
                {view.village} {view.name} · 打印于 {fullDate(now)}
              </p>
              <Passbook
                statement={view.statement}
                rules={view.rules}
                month={monthName(now)}
                onReceipt={setReceiptOf}
              />
            </section>
            {receiptOf && (
              <ReceiptPanel
                key={hex(receiptOf.transferId)}
                line={receiptOf}
                account={view.accountId}
                what={describe(receiptOf, view.rules)}
                who={`${view.village} ${view.name}`}
                clients={clients}
                session={props.session}
                onClose={() => setReceiptOf(null)}
              />
            )}
            <Ratings view={view} clients={clients} session={props.session} />
            <Expiring expiring={view.expiring} />
            <Tasks tasks={tasks} clients={clients} session={props.session} refresh={refresh} />
            <Community clients={clients} session={props.session} now={now} />
          </>
        )}
      </main>
      <Help />
    </>
  );
}
