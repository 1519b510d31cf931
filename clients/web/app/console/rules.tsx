// The rules (积分规则): the village's catalogue with every version, and a change as a new
// version with its effective date, conditional on the version being changed (PutRule's
// replaces_version): a change another member made meanwhile is shown, never overwritten.
import { useEffect, useState } from 'preact/hooks';

import { Category, Code, ConnectError, type Rule } from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { dayOf, plainName, points } from '../format.js';
import { Banner } from '../shell.js';
import type { ConsoleSession } from './session.js';
import { categoryWords } from './words.js';

const kPointsMax = 1_000_000;
// China Standard Time, the village's zone, has no summer time: midnight is 16:00 UTC before.
const kZoneOffsetMs = 8 * 3600 * 1000;

function byRule(rules: Rule[]): Map<number, Rule[]> {
  const all = new Map<number, Rule[]>();
  for (const r of rules) all.set(r.rule, [...(all.get(r.rule) ?? []), r]);
  return all;
}

function capWords(r: Rule): string {
  const caps = [
    r.capPerDay ? `每天最多${r.capPerDay}分` : '',
    r.capPerMonth ? `每月最多${r.capPerMonth}分` : '',
    r.capPerYear ? `每年最多${r.capPerYear}分` : '',
  ].filter(Boolean);
  return caps.join('，') || '不设上限';
}

function versionWords(r: Rule): string {
  const sign = r.category === Category.DEDUCTION ? '扣' : '加';
  return `第${r.version}版：每次${sign}${points(r.pointsPerUnit)}分，${capWords(r)}，${dayOf(r.effectiveFrom)}起${r.retired ? '停用' : ''}（${r.changedBy}改）`;
}

// 2026-12-08 (a date input's value) as midnight in the village, in ns; '' is 0: at once.
function effectiveFrom(day: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return 0n;
  return BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3]) - kZoneOffsetMs) * 1_000_000n;
}

export function Rules(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [rules, setRules] = useState<Map<number, Rule[]> | null>(null);
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const reload = () =>
    c.awards.listRules({ village: s.village }).then(
      (r) => setRules(byRule(r.rules)),
      (e) => setProblem(explain(e).text),
    );
  useEffect(() => {
    reload();
  }, []);
  if (!rules) return <p>{problem || '正在读取积分规则……'}</p>;
  const said = (text: string, ok: boolean) => {
    ok ? (setDone(text), setProblem('')) : (setProblem(text), setDone(''));
    return reload();
  };
  return (
    <section class="card" aria-labelledby="rules-title">
      <h2 id="rules-title">积分规则</h2>
      {problem && <Banner kind="problem">{problem}</Banner>}
      {done && <Banner kind="done">{done}</Banner>}
      <ul class="notices">
        {[...rules.values()].map((versions) => (
          <RuleItem
            key={versions[0].rule}
            versions={versions}
            clients={c}
            session={s}
            said={said}
          />
        ))}
      </ul>
    </section>
  );
}

function RuleItem(props: {
  versions: Rule[];
  clients: Clients;
  session: ConsoleSession;
  said: (text: string, ok: boolean) => Promise<void>;
}) {
  const latest = props.versions[props.versions.length - 1];
  const name = plainName(latest.name);
  const [editing, setEditing] = useState(false);
  const [perUnit, setPerUnit] = useState(String(latest.pointsPerUnit));
  const [cap, setCap] = useState(String(latest.capPerMonth));
  const [day, setDay] = useState('');
  // The version this change replaces: the one shown when the change began.
  const [base, setBase] = useState(latest.version);
  const deduction = latest.category === Category.DEDUCTION;
  const submit = async (event: Event) => {
    event.preventDefault();
    const n = Number(perUnit);
    const capN = deduction ? 0 : Number(cap || '0');
    if (!Number.isInteger(n) || n < 1 || n > kPointsMax)
      return props.said('每次的分值要是1到1000000的整数。', false);
    if (!Number.isInteger(capN) || capN < 0)
      return props.said('每月上限要是整数，0表示不设。', false);
    try {
      const { rule } = await props.clients.awards.putRule({
        village: props.session.village,
        rule: {
          ...latest,
          version: 0,
          pointsPerUnit: BigInt(n),
          capPerMonth: BigInt(capN),
          effectiveFrom: effectiveFrom(day),
          changedBy: '',
          changedAt: 0n,
        },
        replacesVersion: base,
      });
      setEditing(false);
      await props.said(`「${name}」已改为第${rule!.version}版。`, true);
    } catch (e) {
      if (ConnectError.from(e).code === Code.FailedPrecondition) {
        setEditing(false); // the latest version is shown; a change starts again from it
        await props.said(
          `「${name}」刚被另一位村委改过，你的修改没有保存。下面是最新的一版，请看过再改。`,
          false,
        );
        return;
      }
      await props.said(explain(e, `「${name}」没有改成：生效日期不能早于上一版。`).text, false);
    }
  };
  const start = () => {
    setBase(latest.version);
    setPerUnit(String(latest.pointsPerUnit));
    setCap(String(latest.capPerMonth));
    setEditing(true);
  };
  return (
    <li data-testid="rule">
      <p class="what">
        <strong>{name}</strong> · {categoryWords(latest.category)} · 第{latest.version}版
      </p>
      <p class="how">{versionWords(latest)}</p>
      {props.versions.length > 1 && (
        <details>
          <summary>以前的{props.versions.length - 1}版</summary>
          <ul>
            {props.versions.slice(0, -1).map((v) => (
              <li key={v.version} class="how">
                {versionWords(v)}
              </li>
            ))}
          </ul>
        </details>
      )}
      {editing ? (
        <form class="rule-edit" onSubmit={submit}>
          <p class="how">在第{base}版上修改，保存后成为新的一版；已经记的分照旧。</p>
          <div class="row">
            <label>
              每次{deduction ? '扣' : '加'}几分
              <input
                inputMode="numeric"
                value={perUnit}
                onInput={(e) => setPerUnit((e.target as HTMLInputElement).value)}
              />
            </label>
            {!deduction && (
              <label>
                每月上限（0为不设）
                <input
                  inputMode="numeric"
                  value={cap}
                  onInput={(e) => setCap((e.target as HTMLInputElement).value)}
                />
              </label>
            )}
            <label>
              生效日期（不填为立即）
              <input
                type="date"
                value={day}
                onInput={(e) => setDay((e.target as HTMLInputElement).value)}
              />
            </label>
          </div>
          <div class="row">
            <button type="submit" class="primary">
              保存为新的一版
            </button>
            <button type="button" class="quiet" onClick={() => setEditing(false)}>
              取消
            </button>
          </div>
        </form>
      ) : (
        <div class="row">
          <button type="button" onClick={start} aria-label={`修改「${name}」`}>
            修改
          </button>
        </div>
      )}
    </li>
  );
}
