// One household added or edited by hand (添加或修改一户): number, name, head, other members,
// grid and proxy, saved by PutHousehold. Editing starts from the household as the server has it
// (GetHousehold, with members' phones), so what the form does not show is kept.
import { useState } from 'preact/hooks';

import type { Grid, Household } from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { Banner } from '../shell.js';
import type { ConsoleSession } from './session.js';

const kNameBytesMax = 64;
const kMembersMax = 16;

const bytes = (s: string) => new TextEncoder().encode(s).length;

// The names typed apart by 、，, or spaces.
function namesOf(text: string): string[] {
  return text
    .split(/[、，,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

export function HouseholdForm(props: {
  clients: Clients;
  session: ConsoleSession;
  grids: Grid[];
  editing: Household | null; // null: a new household
  nextNumber: bigint;
  onSaved: (said: string) => void;
  onCancel: () => void;
}) {
  const h = props.editing;
  const head = h?.members.find((m) => m.head) ?? h?.members[0];
  const [number, setNumber] = useState(String(h?.household ?? props.nextNumber));
  const [name, setName] = useState(h?.name ?? '');
  const [headName, setHeadName] = useState(head?.name ?? '');
  const [others, setOthers] = useState(
    (h?.members ?? [])
      .filter((m) => m !== head)
      .map((m) => m.name)
      .join('、'),
  );
  const [grid, setGrid] = useState(h?.grid ?? 0);
  const [proxy, setProxy] = useState(h?.proxyName ?? '');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const rest = namesOf(others);
    const problem = !/^[1-9]\d{0,15}$/.test(number.trim())
      ? '户号要是正整数。'
      : !headName.trim()
        ? '请填写户主姓名。'
        : rest.length + 1 > kMembersMax
          ? `一户最多${kMembersMax}人。`
          : [name, headName, proxy, ...rest].some((t) => bytes(t.trim()) > kNameBytesMax)
            ? '名字太长（最多21个汉字）。'
            : '';
    if (problem) return setProblem(problem);
    const household = BigInt(number.trim());
    // Members the form shows by name keep what it does not show (a phone).
    const known = new Map((h?.members ?? []).map((m) => [m.name, m]));
    const member = (n: string, isHead: boolean) => ({
      name: n,
      head: isHead,
      phone: known.get(n)?.phone ?? '',
    });
    setBusy(true);
    try {
      await props.clients.villages.putHousehold({
        household: {
          village: props.session.village,
          household,
          name: name.trim(),
          grid,
          members: [member(headName.trim(), true), ...rest.map((n) => member(n, false))],
          proxyName: proxy.trim(),
          proxyPhone: h?.proxyPhone ?? '',
        },
      });
      props.onSaved(`已保存 ${household}号 ${name.trim() || headName.trim()}。`);
    } catch (e) {
      setProblem(explain(e, '没有保存上：请检查网格和名字后再试。').text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="household-form" onSubmit={submit} data-testid="household-form">
      <h3>{h ? `修改 ${h.household}号户` : '添加一户'}</h3>
      {problem && <Banner kind="problem">{problem}</Banner>}
      <div class="row">
        <label>
          户号
          <input
            inputMode="numeric"
            value={number}
            disabled={!!h}
            onInput={(e) => setNumber(value(e))}
          />
        </label>
        <label>
          户名（可空）
          <input value={name} placeholder="例如：张家" onInput={(e) => setName(value(e))} />
        </label>
        <label>
          户主
          <input value={headName} onInput={(e) => setHeadName(value(e))} />
        </label>
      </div>
      <label for="household-others">其他家庭成员（用顿号分开，可空）</label>
      <input id="household-others" value={others} onInput={(e) => setOthers(value(e))} />
      <div class="row">
        <label>
          网格
          <select value={grid} onChange={(e) => setGrid(Number(value(e)))}>
            <option value={0}>未分</option>
            {props.grids.map((g) => (
              <option key={g.grid} value={g.grid}>
                {g.name || `第${g.grid}网格`}
              </option>
            ))}
          </select>
        </label>
        <label>
          代理人（可空）
          <input value={proxy} onInput={(e) => setProxy(value(e))} />
        </label>
      </div>
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          保存这一户
        </button>
        <button type="button" class="quiet" onClick={props.onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}
