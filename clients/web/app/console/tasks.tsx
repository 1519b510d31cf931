// Tasks (认领任务): the village's tasks with their claims, a new task posted (PostTask), and a
// completed claim verified in place after reading its evidence (VerifyTask), which records the
// household's award through review and notice like any other. The committee's only: a grid
// worker posts and verifies nothing (server/AUTHZ.md).
import { useEffect, useState } from 'preact/hooks';

import {
  AwardState,
  Category,
  ClaimantKind,
  ClaimState,
  Code,
  ConnectError,
  TaskState,
  type Claim,
  type Rule,
  type Task,
} from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { dateTime, plainName, points } from '../format.js';
import { Banner } from '../shell.js';
import { householdName, loadHouseholds } from './households.js';
import type { ConsoleSession } from './session.js';
import { stateWords } from './words.js';

const kTitleBytesMax = 200;
const kSlotsMax = 10_000;
const kTaskMax = 999_999;
const kUnitsMax = 1_000_000;
// A new task's deadline, unless changed: this many days on, at the end of the day.
const kDeadlineDays = 7;
// China Standard Time, the village's zone, has no summer time.
const kZoneOffsetMs = 8 * 3600 * 1000;

const bytes = (s: string) => new TextEncoder().encode(s).length;

function taskStateWords(t: Task): string {
  switch (t.state) {
    case TaskState.POSTING:
      return '正在发布';
    case TaskState.OPEN:
      return t.slotsLeft > 0n ? '可以认领' : '名额已满';
    case TaskState.CLOSING:
    case TaskState.CLOSED:
      return '已截止';
    default:
      return '情况不明';
  }
}

function claimStateWords(c: Claim): string {
  switch (c.state) {
    case ClaimState.CLAIMING:
      return '正在认领';
    case ClaimState.CLAIMED:
      return '已认领，还没做完';
    case ClaimState.REFUSED:
      return '没有认领上';
    case ClaimState.COMPLETED:
      return '已做完，等待核实';
    case ClaimState.VERIFYING:
      return '正在核实';
    case ClaimState.VERIFIED:
      return `已核实（${c.verifiedBy}）`;
    case ClaimState.LAPSED:
      return '过了截止时间没做完';
    default:
      return '情况不明';
  }
}

// A reference the claimant gave (photo:HASH from an app's camera, or words).
function evidenceWords(e: string): string {
  const photo = /^photo:(.+)$/.exec(e);
  return photo ? `照片（${photo[1]}）` : e;
}

// YYYY-MM-DD (a date input's value) as the end of that day in the village, in ns.
function endOfDay(day: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return 0n;
  return BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], 23, 59) - kZoneOffsetMs) * 1_000_000n;
}

function dayInput(ms: number): string {
  return new Date(ms + kZoneOffsetMs).toISOString().slice(0, 10);
}

export function Tasks(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [rules, setRules] = useState<Rule[]>([]);
  const [names, setNames] = useState(new Map<bigint, string>());
  const [open, setOpen] = useState(0); // the task whose claims are shown
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const reload = () =>
    c.tasks.listTasks({ village: s.village }).then(
      (r) => setTasks([...r.tasks].reverse()),
      (e) => setProblem(explain(e).text),
    );
  useEffect(() => {
    reload();
    c.awards.listRules({ village: s.village }).then(
      (r) => setRules(taskRules(r.rules)),
      () => setRules([]),
    );
    loadHouseholds(c, s).then(
      (h) => setNames(new Map(h.map((x) => [x.household, householdName(x)]))),
      () => {}, // numbers alone still say who
    );
  }, []);
  const said = (text: string, ok: boolean) => {
    ok ? (setDone(text), setProblem('')) : (setProblem(text), setDone(''));
    return reload();
  };
  if (!tasks) return <p>{problem || '正在读取任务……'}</p>;
  return (
    <div class="tasks-page">
      {problem && <Banner kind="problem">{problem}</Banner>}
      {done && <Banner kind="done">{done}</Banner>}
      <PostTask clients={c} session={s} rules={rules} tasks={tasks} said={said} />
      <section class="card" aria-labelledby="tasks-title">
        <h2 id="tasks-title">
          任务 <small>{tasks.length}项，最新的在前</small>
        </h2>
        {tasks.length === 0 && <p>还没有发布过任务。</p>}
        <ul class="tasks">
          {tasks.map((t) => (
            <TaskItem
              key={t.task}
              task={t}
              open={open === t.task}
              onOpen={() => setOpen(open === t.task ? 0 : t.task)}
              clients={c}
              session={s}
              names={names}
              said={said}
            />
          ))}
        </ul>
      </section>
    </div>
  );
}

// The latest version of each task rule that still scores.
function taskRules(rules: Rule[]): Rule[] {
  const latest = new Map<number, Rule>();
  for (const r of rules) latest.set(r.rule, r);
  return [...latest.values()].filter((r) => !r.retired && r.category === Category.TASK);
}

type Said = (text: string, ok: boolean) => Promise<void>;

function PostTask(props: {
  clients: Clients;
  session: ConsoleSession;
  rules: Rule[];
  tasks: Task[];
  said: Said;
}) {
  const [title, setTitle] = useState('');
  const [rule, setRule] = useState(0);
  const [pts, setPts] = useState('10');
  const [slots, setSlots] = useState('1');
  const [day, setDay] = useState(dayInput(Date.now() + kDeadlineDays * 86400_000));
  // The number is fixed at the first send and kept until an answer: a resend is the same task.
  const [number, setNumber] = useState(0);
  const [busy, setBusy] = useState(false);
  const chosen = props.rules.find((r) => r.rule === rule) ?? props.rules[0];
  // The task names units of its rule; the committee thinks in points.
  const perUnit = Number(chosen?.pointsPerUnit ?? 1n);
  const p = Number(pts);
  const u = p / perUnit;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const n = Number(slots);
    const deadline = endOfDay(day);
    const problem = !title.trim()
      ? '请写上任务的名称。'
      : bytes(title.trim()) > kTitleBytesMax
        ? '任务名称太长（最多66个汉字）。'
        : !chosen
          ? '村里还没有“认领任务”类的积分规则，请先在积分规则里加上。'
          : !Number.isInteger(p) || p < 1 || !Number.isInteger(u) || u > kUnitsMax
            ? perUnit > 1
              ? `每份的分数要是${perUnit}的整数倍。`
              : '每份的分数要是正整数。'
            : !Number.isInteger(n) || n < 1 || n > kSlotsMax
              ? `名额要是1到${kSlotsMax}的整数。`
              : deadline <= BigInt(Date.now()) * 1_000_000n
                ? '截止日期要在今天或以后。'
                : '';
    if (problem) return props.said(problem, false);
    const task = number || Math.min(kTaskMax, Math.max(0, ...props.tasks.map((t) => t.task)) + 1);
    setNumber(task);
    setBusy(true);
    try {
      await props.clients.tasks.postTask({
        task: {
          village: props.session.village,
          task,
          title: title.trim(),
          rule: chosen.rule,
          units: BigInt(u),
          slots: n,
          deadline,
        },
      });
      setNumber(0);
      setTitle('');
      await props.said(`已发布任务「${title.trim()}」，各户现在可以认领。`, true);
    } catch (e) {
      // Another member took the number with another task meanwhile: the next send takes a new one.
      if (ConnectError.from(e).code === Code.AlreadyExists) setNumber(0);
      await props.said(explain(e, '任务没有发布上，请检查后再试。').text, false);
    } finally {
      setBusy(false);
    }
  };
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <section class="card" aria-labelledby="post-title">
      <h2 id="post-title">发布新任务</h2>
      <form onSubmit={submit}>
        <label for="task-title">任务名称</label>
        <input
          id="task-title"
          value={title}
          placeholder="例如：清理村口垃圾"
          onInput={(e) => setTitle(value(e))}
        />
        <div class="row">
          {props.rules.length > 1 && (
            <label>
              积分规则
              <select value={chosen?.rule} onChange={(e) => setRule(Number(value(e)))}>
                {props.rules.map((r) => (
                  <option key={r.rule} value={r.rule}>
                    {plainName(r.name)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            每户做完得几分
            <input inputMode="numeric" value={pts} onInput={(e) => setPts(value(e))} />
          </label>
          <label>
            名额（几户）
            <input inputMode="numeric" value={slots} onInput={(e) => setSlots(value(e))} />
          </label>
          <label>
            截止日期
            <input type="date" value={day} onInput={(e) => setDay(value(e))} />
          </label>
        </div>
        <p class="how" data-testid="task-points">
          {chosen
            ? `按「${plainName(chosen.name)}」记分；做完经村委核实后记上，照常公示。`
            : '村里还没有“认领任务”类的积分规则。'}
        </p>
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !chosen}>
            {number ? '再发布一次（不会重复）' : '发布任务'}
          </button>
        </div>
      </form>
    </section>
  );
}

function TaskItem(props: {
  task: Task;
  open: boolean;
  onOpen: () => void;
  clients: Clients;
  session: ConsoleSession;
  names: Map<bigint, string>;
  said: Said;
}) {
  const t = props.task;
  const [claims, setClaims] = useState<Claim[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const load = () =>
    props.clients.tasks.getTask({ village: props.session.village, task: t.task }).then(
      (r) => (setClaims(r.claims), setTruncated(r.truncated)),
      (e) => props.said(explain(e).text, false),
    );
  useEffect(() => {
    if (props.open) load();
  }, [props.open, t.verified, t.completed, t.claimed]);
  const who = (c: Claim) => {
    if (c.claimantKind === ClaimantKind.SHOP) return `${c.claimant}号商户`;
    if (c.claimantKind === ClaimantKind.ORGANISATION) return `${c.claimant}号组织`;
    const name = props.names.get(c.claimant);
    return name ? `${c.claimant}号 ${name}` : `${c.claimant}号户`;
  };
  const verify = async (c: Claim) => {
    try {
      const { claim } = await props.clients.tasks.verifyTask({
        village: props.session.village,
        task: t.task,
        claimantKind: c.claimantKind,
        claimant: c.claimant,
      });
      let award = '';
      if (claim?.awardId.length) {
        const a = await props.clients.awards
          .getAward({ village: props.session.village, awardId: claim.awardId })
          .then((r) => r.award?.state ?? AwardState.UNSPECIFIED)
          .catch(() => AwardState.UNSPECIFIED);
        award = `，给${who(c)}记 ${points(t.pointsPerClaim)} 分：${stateWords(a)}`;
      }
      await props.said(`已核实「${t.title}」${award}。`, true);
    } catch (e) {
      await props.said(explain(e, '没有核实成功：可能已由别人核实，或还没做完。').text, false);
    }
    await load();
  };
  const waiting = Number(t.completed - t.verified);
  return (
    <li data-testid="task">
      <p class="what">
        <strong>{t.title}</strong> · 每份 +{points(t.pointsPerClaim)}分 · {taskStateWords(t)}
      </p>
      <p class="how">
        名额 {t.slots}，已认领 {points(t.claimed)}，做完 {points(t.completed)}，已核实{' '}
        {points(t.verified)}
        {t.lapsed ? `，过期 ${points(t.lapsed)}` : ''} · 截止 {dateTime(t.deadline)} · {t.postedBy}{' '}
        发布于 {dateTime(t.postedAt)}
      </p>
      {waiting > 0 && <p class="flag">有 {waiting} 户做完了，等待核实</p>}
      <div class="row">
        <button
          type="button"
          aria-expanded={props.open ? 'true' : 'false'}
          aria-label={`${props.open ? '收起认领' : `查看认领（${points(t.claimed)}）`}：${t.title}`}
          onClick={props.onOpen}
        >
          {props.open ? '收起认领' : `查看认领（${points(t.claimed)}）`}
        </button>
      </div>
      {props.open && (
        <div class="claims" data-testid="task-claims">
          {!claims && <p>正在读取认领……</p>}
          {claims?.length === 0 && <p>还没有人认领。</p>}
          <ul class="notices">
            {(claims ?? []).map((c) => (
              <li key={`${c.claimantKind}-${c.claimant}`} data-testid="task-claim">
                <p class="what">
                  {who(c)} · {claimStateWords(c)}
                </p>
                <p class="how">
                  认领于 {dateTime(c.claimedAt)}
                  {c.note ? ` · 完成情况：${c.note}` : ''}
                </p>
                {c.evidence.length > 0 && (
                  <p class="how">凭证：{c.evidence.map(evidenceWords).join('、')}</p>
                )}
                {c.state === ClaimState.COMPLETED && (
                  <div class="row">
                    <button
                      type="button"
                      class="primary"
                      aria-label={`核实完成：${who(c)}「${t.title}」`}
                      onClick={() => verify(c)}
                    >
                      核实完成
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
          {truncated && <p class="how">只列出了前500户的认领。</p>}
        </div>
      )}
    </li>
  );
}
