// The households (各户名单): the list with members, proxy and grid, and an import of a household
// list from a spreadsheet saved as CSV (户号,户名,户主,网格,代理人), previewed with each bad line
// and why before anything is saved. Saving is PutHousehold per good line: the same file saved
// again changes nothing, and a line naming a household already there updates it (that is how
// a household is added or edited here).
import { useEffect, useState } from 'preact/hooks';

import type { Grid, Household } from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { Banner } from '../shell.js';
import { HouseholdForm } from './household_form.js';
import type { ConsoleSession } from './session.js';

const kLinesMax = 2000;
const kNameBytesMax = 64;

type Row = { household: bigint; name: string; grid: number; head: string; proxy: string };

const bytes = (s: string) => new TextEncoder().encode(s).length;

// One CSV line into cells: commas, with "quoted, cells" as spreadsheets write them.
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') ((cell += '"'), i++);
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) (out.push(cell.trim()), (cell = ''));
    else cell += ch;
  }
  out.push(cell.trim());
  return out;
}

export function parseHouseholds(
  text: string,
  grids: Set<number>,
): { line: number; row?: Row; error?: string }[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const seen = new Set<string>();
  const out: { line: number; row?: Row; error?: string }[] = [];
  lines.slice(0, kLinesMax).forEach((text, i) => {
    if (!text.trim() || (i === 0 && text.includes('户号'))) return; // blank, or the header
    const [number = '', name = '', head = '', grid = '', proxy = ''] = cells(text);
    const line = i + 1;
    const error = !/^[1-9]\d{0,15}$/.test(number)
      ? `户号“${number}”不是正整数`
      : seen.has(number)
        ? `户号${number}在前面已经有了`
        : !head
          ? '户主姓名没有填'
          : grid && !grids.has(Number(grid))
            ? `没有第${grid}网格`
            : [name, head, proxy].some((t) => bytes(t) > kNameBytesMax)
              ? '名字太长（最多21个汉字）'
              : '';
    seen.add(number);
    if (error) out.push({ line, error });
    else
      out.push({
        line,
        row: { household: BigInt(number), name, grid: Number(grid || '0'), head, proxy },
      });
  });
  return out;
}

export function HouseholdsPage(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [list, setList] = useState<Household[] | null>(null);
  const [grids, setGrids] = useState<Grid[]>([]);
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<ReturnType<typeof parseHouseholds> | null>(null);
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  // The household the form edits; 'new' adds one; null: no form.
  const [editing, setEditing] = useState<Household | 'new' | null>(null);
  const edit = (household: bigint) =>
    c.villages.getHousehold({ village: s.village, household }).then(
      (r) => (setDone(''), setEditing(r.household ?? null)),
      (e) => setProblem(explain(e).text),
    );
  const reload = () =>
    Promise.all([
      c.villages.listHouseholds({ village: s.village, reveal: true }),
      c.villages.listGrids({ village: s.village }),
    ]).then(
      ([h, g]) => (setList(h.households), setGrids(g.grids)),
      (e) => setProblem(explain(e).text),
    );
  useEffect(() => {
    reload();
  }, []);
  const save = async () => {
    const good = (preview ?? []).filter((p) => p.row).map((p) => p.row!);
    try {
      for (const r of good) {
        await c.villages.putHousehold({
          household: {
            village: s.village,
            household: r.household,
            name: r.name,
            grid: r.grid,
            members: [{ name: r.head, head: true }],
            proxyName: r.proxy,
          },
        });
      }
      setDone(`已保存 ${good.length} 户。`);
      setProblem('');
      setPreview(null);
      setText('');
    } catch (e) {
      setProblem(explain(e, '有一户没有保存上，请检查后再保存（已保存的不会重复）。').text);
    }
    await reload();
  };
  const bad = (preview ?? []).filter((p) => p.error);
  const good = (preview ?? []).filter((p) => p.row);
  return (
    <div class="households">
      {problem && <Banner kind="problem">{problem}</Banner>}
      {done && <Banner kind="done">{done}</Banner>}
      <section class="card" aria-labelledby="import-title">
        <h2 id="import-title">导入各户名单</h2>
        <p class="how">
          在表格软件里另存为
          CSV，每行：户号,户名,户主,网格,代理人（户名、网格、代理人可以空着）。户号已有的会更新这一户。
        </p>
        <label for="csv-file">选择 CSV 文件</label>
        <input
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (file) setText(await file.text());
          }}
        />
        <label for="csv-text">或把内容粘贴在这里</label>
        <textarea
          id="csv-text"
          rows={5}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <div class="row">
          <button
            type="button"
            onClick={() => setPreview(parseHouseholds(text, new Set(grids.map((g) => g.grid))))}
          >
            预览
          </button>
        </div>
        {preview && (
          <div data-testid="import-preview">
            <p>
              共 {preview.length} 行：可以导入 {good.length} 户，有问题 {bad.length} 行。
            </p>
            {bad.length > 0 && (
              <ul class="notices">
                {bad.map((p) => (
                  <li key={p.line} class="bad" data-testid="import-error">
                    第{p.line}行：{p.error}
                  </li>
                ))}
              </ul>
            )}
            <div class="row">
              <button type="button" class="primary" disabled={good.length === 0} onClick={save}>
                保存可以导入的 {good.length} 户
              </button>
            </div>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="list-title">
        <h2 id="list-title">
          各户名单 <small>{list?.length ?? 0}户</small>
        </h2>
        {editing ? (
          <HouseholdForm
            key={editing === 'new' ? 'new' : String(editing.household)}
            clients={c}
            session={s}
            grids={grids}
            editing={editing === 'new' ? null : editing}
            nextNumber={(list ?? []).reduce(
              (n, h) => (h.household >= n ? h.household + 1n : n),
              1n,
            )}
            onSaved={(said) => (setEditing(null), setDone(said), setProblem(''), reload())}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <div class="row">
            <button type="button" onClick={() => (setDone(''), setEditing('new'))}>
              添加一户
            </button>
          </div>
        )}
        <table class="passbook">
          <thead>
            <tr>
              <th scope="col">户号</th>
              <th scope="col">户名</th>
              <th scope="col">家庭成员</th>
              <th scope="col">网格</th>
              <th scope="col">代理人</th>
              <th scope="col">
                <span class="visually-hidden">修改</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(list ?? []).map((h) => (
              <tr key={String(h.household)} data-testid="household-row">
                <td class="num">{String(h.household)}</td>
                <td>{h.name}</td>
                <td>{h.members.map((m) => (m.head ? `${m.name}（户主）` : m.name)).join('、')}</td>
                <td>
                  {h.grid
                    ? (grids.find((g) => g.grid === h.grid)?.name ?? `第${h.grid}网格`)
                    : '未分'}
                </td>
                <td>{h.proxyName}</td>
                <td>
                  <button
                    type="button"
                    class="quiet"
                    aria-label={`修改${h.household}号户`}
                    onClick={() => edit(h.household)}
                  >
                    修改
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
