// An inspection round (检查记分): pick the grid (or the whole village), the rule and the date;
// tap the households to mark (a quantity where the rule counts units, an optional note); one
// submit sends the round as one RecordAwards request. The round's id is fixed, and the round
// kept on the device, before the first send, and each line's award id is the round's id and the
// household's number: a double submit, or a submit again after a dropped answer or a closed
// laptop, sends the same lines and records nothing twice. Deductions go the same way, with the
// reason required.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { MessageInitShape } from '@bufbuild/protobuf';

import {
  AwardSchema,
  AwardState,
  Category,
  type Grid,
  type Household,
  type RecordAwardsResponse_Result,
  type Rule,
} from '../../src/index.js';
import { explain, isOffline, type Clients } from '../api.js';
import { dayOf, hex, plainName, randomId } from '../format.js';
import { Banner } from '../shell.js';
import { householdName, loadHouseholds } from './households.js';
import type { ConsoleSession } from './session.js';
import { lineErrorWords, refusalWords, stateWords } from './words.js';

const kDraftKey = 'points.console.round';
const kQuantityMax = 1000;
const kNoteBytesMax = 1000;
// A round's lines that were taken are listed open up to this many, and folded beyond.
const kResultsOpen = 10;

interface Line {
  household: string; // bigint as text, for storage
  quantity: number;
  note: string;
}

// The round as sent: kept on the device from before the first send until its answer is known.
interface Draft {
  roundId: string; // 8 bytes, hex
  rule: number;
  version: number;
  ruleName: string;
  day: string;
  reason: string;
  lines: Line[];
}

function loadDraft(): Draft | null {
  try {
    return JSON.parse(localStorage.getItem(kDraftKey) ?? 'null');
  } catch {
    return null;
  }
}

export function awardId(roundId: string, household: bigint): Uint8Array {
  const id = new Uint8Array(16);
  for (let i = 0; i < 8; i++) id[i] = parseInt(roundId.slice(2 * i, 2 * i + 2), 16);
  new DataView(id.buffer).setBigUint64(8, household);
  return id;
}

function awardsOf(d: Draft, village: number): MessageInitShape<typeof AwardSchema>[] {
  return d.lines.map((l) => ({
    awardId: awardId(d.roundId, BigInt(l.household)),
    village,
    household: BigInt(l.household),
    rule: { rule: d.rule, version: d.version },
    quantity: BigInt(l.quantity),
    note: [d.day + '检查', d.reason, l.note].filter(Boolean).join('，'),
  }));
}

// The latest version of each rule that still scores, in rule order.
function current(rules: Rule[]): Rule[] {
  const latest = new Map<number, Rule>();
  for (const r of rules) latest.set(r.rule, r);
  return [...latest.values()].filter((r) => !r.retired);
}

function today(): string {
  return dayOf(BigInt(Date.now()) * 1_000_000n);
}

export function Round(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [households, setHouseholds] = useState<Household[] | null>(null);
  const [grids, setGrids] = useState<Grid[]>([]);
  const [rules, setRules] = useState<Rule[]>([]);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    Promise.all([
      loadHouseholds(c, s),
      c.villages.listGrids({ village: s.village }),
      c.awards.listRules({ village: s.village }),
    ]).then(
      ([h, g, r]) => {
        setHouseholds(h);
        setGrids(g.grids);
        setRules(current(r.rules).filter((rule) => rule.category !== Category.TASK));
      },
      (e) => setProblem(explain(e).text),
    );
  }, []);
  if (!households) return <p>{problem || '正在读取各户名单……'}</p>;
  return <RoundForm {...props} households={households} grids={grids} rules={rules} />;
}

interface FormProps {
  clients: Clients;
  session: ConsoleSession;
  households: Household[];
  grids: Grid[];
  rules: Rule[];
}

// The marks of a round: household -> its line.
function useMarks(shown: Household[]) {
  const [marks, setMarks] = useState<Map<string, Line>>(new Map());
  const lineOf = (h: Household): [string, Line] => [
    String(h.household),
    { household: String(h.household), quantity: 1, note: '' },
  ];
  const toggle = (h: Household) => {
    const next = new Map(marks);
    const [key, line] = lineOf(h);
    if (next.has(key)) next.delete(key);
    else next.set(key, line);
    setMarks(next);
  };
  const markAll = () => setMarks(new Map(shown.map(lineOf)));
  const edit = (key: string, change: Partial<Line>) => {
    const next = new Map(marks);
    next.set(key, { ...next.get(key)!, ...change });
    setMarks(next);
  };
  return { marks, toggle, markAll, edit, clear: () => setMarks(new Map()) };
}

// Sending a round: the draft is kept until the answer is known. A lost answer keeps it (the
// resend is the same request); a request refused as a whole recorded nothing, and frees it.
function useRoundSend(clients: Clients, village: number, onDone: () => void) {
  const [draft, setDraft] = useState<Draft | null>(loadDraft);
  const [sending, setSending] = useState(false);
  const inFlight = useRef(false); // a second tap before the button is redrawn disabled
  const [results, setResults] = useState<{
    draft: Draft;
    results: RecordAwardsResponse_Result[];
  }>();
  const [problem, setProblem] = useState(draft ? kPendingWords : '');
  const send = async (d: Draft) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setSending(true);
    try {
      const r = await clients.awards.recordAwards({ awards: awardsOf(d, village) });
      forget(d);
      setResults({ draft: d, results: r.results });
      setProblem('');
      onDone();
    } catch (e) {
      if (isOffline(e)) return setProblem(kPendingWords);
      forget(d);
      setProblem(explain(e, '这一轮没有记上（一户也没有记），请检查后再提交。').text);
    } finally {
      inFlight.current = false;
      setSending(false);
    }
  };
  const forget = (_: Draft) => {
    localStorage.removeItem(kDraftKey);
    setDraft(null);
  };
  // Fixed and kept before the first send: whatever happens to the answer, a resend is the same.
  const start = (d: Draft) => {
    localStorage.setItem(kDraftKey, JSON.stringify(d));
    setDraft(d);
    setResults(undefined);
    return send(d);
  };
  return { draft, sending, results, problem, setProblem, send, start };
}

function RoundForm(props: FormProps) {
  const { session: s } = props;
  const [grid, setGrid] = useState(s.role === 'grid' ? s.grid : 0);
  const [rule, setRule] = useState(props.rules[0]?.rule ?? 0);
  const [day, setDay] = useState(today());
  const [reason, setReason] = useState('');
  const shown = useMemo(
    () => props.households.filter((h) => grid === 0 || h.grid === grid),
    [grid, props.households],
  );
  const { marks, toggle, markAll, edit, clear } = useMarks(shown);
  const { draft, sending, results, problem, setProblem, send, start } = useRoundSend(
    props.clients,
    s.village,
    clear,
  );
  const theRule = props.rules.find((r) => r.rule === rule);
  const deduction = theRule?.category === Category.DEDUCTION;
  const submit = (event: Event) => {
    event.preventDefault();
    if (draft) return send(draft);
    const lines = [...marks.values()];
    const why = check(lines, theRule, deduction, reason);
    if (why) return setProblem(why);
    return start({
      roundId: hex(randomId().slice(0, 8)),
      rule,
      version: theRule!.version,
      ruleName: plainName(theRule!.name),
      day,
      reason: reason.trim(),
      lines,
    });
  };
  const names = new Map(props.households.map((h) => [String(h.household), householdName(h)]));
  return (
    <form class="round" onSubmit={submit} aria-labelledby="round-title">
      <h2 id="round-title">检查记分</h2>
      {draft ? (
        <Pending draft={draft} names={names} />
      ) : (
        <Pickers
          {...props}
          grid={grid}
          setGrid={(g) => (setGrid(g), clear())}
          rule={rule}
          setRule={setRule}
          day={day}
          setDay={setDay}
          deduction={deduction}
          reason={reason}
          setReason={setReason}
        />
      )}
      {problem && <Banner kind="problem">{problem}</Banner>}
      {results && <Results {...results} names={names} />}
      {!draft && (
        <HouseholdList
          shown={shown}
          marks={marks}
          toggle={toggle}
          markAll={markAll}
          clear={clear}
          edit={edit}
        />
      )}
      <div class="submit-bar">
        <p>
          {draft
            ? `这一轮共 ${draft.lines.length} 户，等待回复`
            : `已标记 ${marks.size} 户 · ${theRule ? plainName(theRule.name) : ''}`}
        </p>
        <button type="submit" class="primary" disabled={sending}>
          {sending
            ? '正在提交……'
            : draft
              ? '再提交一次（不会重复记分）'
              : `提交这一轮（${marks.size}户）`}
        </button>
      </div>
    </form>
  );
}

const kPendingWords =
  '上次提交后没有收到回复，不知道记上没有。请再点“再提交一次”：同一轮再提交不会重复记分。';

function check(lines: Line[], rule: Rule | undefined, deduction: boolean, reason: string) {
  if (!rule) return '请先选规则。';
  if (lines.length === 0) return '还没有标记任何一户。';
  if (deduction && !reason.trim()) return '扣分要写明原因。';
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > kQuantityMax)
      return `${l.household}号户的数量要在1到${kQuantityMax}之间。`;
    if (new TextEncoder().encode(l.note + reason).length > kNoteBytesMax - 40)
      return `${l.household}号户的备注太长了。`;
  }
  return '';
}

function Pickers(
  props: FormProps & {
    grid: number;
    setGrid: (g: number) => void;
    rule: number;
    setRule: (r: number) => void;
    day: string;
    setDay: (d: string) => void;
    deduction: boolean;
    reason: string;
    setReason: (r: string) => void;
  },
) {
  const value = (e: Event) => (e.target as HTMLSelectElement).value;
  return (
    <div class="row pickers">
      <label>
        网格
        <select
          value={props.grid}
          disabled={props.session.role === 'grid'}
          onChange={(e) => props.setGrid(Number(value(e)))}
        >
          {props.session.role === 'committee' && <option value={0}>全村</option>}
          {props.grids
            .filter((g) => props.session.role === 'committee' || g.grid === props.session.grid)
            .map((g) => (
              <option value={g.grid} key={g.grid}>
                {g.name || `第${g.grid}网格`}
              </option>
            ))}
        </select>
      </label>
      <label>
        规则
        <select value={props.rule} onChange={(e) => props.setRule(Number(value(e)))}>
          {props.rules.map((r) => (
            <option value={r.rule} key={r.rule}>
              {plainName(r.name)}（{r.category === Category.DEDUCTION ? '扣' : '加'}
              {String(r.pointsPerUnit)}分）
            </option>
          ))}
        </select>
      </label>
      <label>
        检查日期
        <input value={props.day} onInput={(e) => props.setDay(value(e))} />
      </label>
      {props.deduction && (
        <label class="wide">
          扣分原因（必填）
          <input value={props.reason} onInput={(e) => props.setReason(value(e))} />
        </label>
      )}
    </div>
  );
}

function HouseholdList(props: {
  shown: Household[];
  marks: Map<string, Line>;
  toggle: (h: Household) => void;
  markAll: () => void;
  clear: () => void;
  edit: (key: string, change: Partial<Line>) => void;
}) {
  return (
    <>
      <div class="row">
        <button type="button" onClick={props.markAll}>
          全部标记（{props.shown.length}户）
        </button>
        <button type="button" class="quiet" onClick={props.clear}>
          全部取消
        </button>
      </div>
      <ul class="round-list" aria-label="各户名单">
        {props.shown.map((h) => {
          const key = String(h.household);
          const line = props.marks.get(key);
          const name = householdName(h);
          return (
            <li key={key} class={line ? 'marked' : ''} data-testid="round-household">
              <button
                type="button"
                class="mark"
                aria-pressed={line ? 'true' : 'false'}
                onClick={() => props.toggle(h)}
              >
                <span aria-hidden="true">{line ? '✔' : '○'}</span> {h.household}号 {name}
              </button>
              {line && (
                <span class="line-extra">
                  <label>
                    数量
                    <input
                      inputMode="numeric"
                      value={line.quantity}
                      aria-label={`${name}的数量`}
                      onInput={(e) =>
                        props.edit(key, { quantity: Number((e.target as HTMLInputElement).value) })
                      }
                    />
                  </label>
                  <label>
                    备注
                    <input
                      value={line.note}
                      aria-label={`${name}的备注`}
                      onInput={(e) =>
                        props.edit(key, { note: (e.target as HTMLInputElement).value })
                      }
                    />
                  </label>
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Pending(props: { draft: Draft; names: Map<string, string> }) {
  const d = props.draft;
  return (
    <div class="pending">
      <p>
        这一轮：{d.day} · {d.ruleName} · {d.lines.length}户{d.reason ? ` · 原因：${d.reason}` : ''}
      </p>
      <p class="how">
        {d.lines
          .slice(0, 12)
          .map((l) => props.names.get(l.household) ?? `${l.household}号户`)
          .join('、')}
        {d.lines.length > 12 ? ' ……' : ''}
      </p>
    </div>
  );
}

function lineWords(r: RecordAwardsResponse_Result): { text: string; bad: boolean } {
  if (!r.award) return { text: lineErrorWords(r.errorCode), bad: true };
  const refused = r.award.refusal ? `：${refusalWords(r.award.refusal)}` : '';
  return { text: stateWords(r.award.state) + refused, bad: r.award.state === AwardState.REFUSED };
}

function Results(props: {
  draft: Draft;
  results: RecordAwardsResponse_Result[];
  names: Map<string, string>;
}) {
  const words = props.results.map(lineWords);
  // The lines not taken are listed where they are seen; the rest are counted, and listed on
  // request.
  const all = props.draft.lines.map((_, i) => i);
  const bad = all.filter((i) => words[i]?.bad);
  const good = all.filter((i) => !words[i]?.bad);
  const line = (i: number) => {
    const l = props.draft.lines[i];
    return (
      <li key={l.household} class={words[i]?.bad ? 'bad' : ''} data-testid="round-result">
        <strong>{props.names.get(l.household) ?? `${l.household}号户`}</strong>：
        {words[i]?.text ?? '没有回复'}
      </li>
    );
  };
  const counts = new Map<string, number>();
  for (const w of words) {
    const head = w.text.split('：')[0];
    counts.set(head, (counts.get(head) ?? 0) + 1);
  }
  return (
    <section class="card results" aria-labelledby="results-title" data-testid="round-results">
      <h3 id="results-title">
        这一轮已记下：{props.draft.lines.length}户 ·{' '}
        {[...counts].map(([k, n]) => `${k} ${n}户`).join('，')}
      </h3>
      <ul class="notices">{bad.map(line)}</ul>
      <details open={good.length <= kResultsOpen}>
        <summary>记上的 {good.length} 户，逐户看</summary>
        <ul class="notices">{good.map(line)}</ul>
      </details>
    </section>
  );
}
