// The month's report (月度报表, GetReport) as a committee reads it at a glance: points issued by
// category, redeemed by shop, the committee's outstanding liability (what households hold and
// shops have not settled) over the last 12 months, the micro-fund; the same numbers as tables,
// a CSV download (for a spreadsheet) and an A4 print (console.css). For the committee and the
// auditor, who may read the report (server/AUTHZ.md).
import { useEffect, useState } from 'preact/hooks';

import type { GetReportResponse } from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { dateTime, plainName, points, thisMonth, yuan } from '../format.js';
import { Banner } from '../shell.js';
import { BarChart, type Bar } from './charts.js';
import type { ConsoleSession } from './session.js';
import { categoryWords } from './words.js';

// The liability chart's months, the chosen one the last.
const kMonths = 12;

export function previousMonth(month: number): number {
  const year = Math.floor(month / 100);
  const m = month % 100;
  return m === 1 ? (year - 1) * 100 + 12 : month - 1;
}

export function monthWords(month: number): string {
  return `${Math.floor(month / 100)}年${month % 100}月`;
}

function lastMonths(month: number, n: number): number[] {
  const out = [month];
  while (out.length < n) out.unshift(previousMonth(out[0]));
  return out;
}

// What households hold and shops have not settled: the points the committee still owes.
export function liability(r: GetReportResponse): bigint {
  return r.outstandingPoints + r.outstandingHeldByShops;
}

interface Loaded {
  month: number;
  report: GetReportResponse;
  history: { month: number; report: GetReportResponse }[];
}

export function Reports(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [month, setMonth] = useState(thisMonth());
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [village, setVillage] = useState('');
  const [problem, setProblem] = useState('');
  useEffect(() => {
    c.villages.listVillages({}).then(
      (r) => setVillage(r.villages.find((v) => v.village === s.village)?.name ?? ''),
      () => {}, // the number says which village
    );
  }, []);
  useEffect(() => {
    let live = true;
    const months = lastMonths(month, kMonths);
    Promise.all(months.map((m) => c.board.getReport({ village: s.village, month: m }))).then(
      (reports) => {
        if (!live) return;
        const history = months.map((m, i) => ({ month: m, report: reports[i] }));
        setLoaded({ month, report: reports[reports.length - 1], history });
        setProblem('');
      },
      (e) => live && setProblem(explain(e).text),
    );
    return () => {
      live = false;
    };
  }, [month]);
  const name = village || `${s.village}号村`;
  const title = `${name} ${monthWords(month)}积分报表`;
  return (
    <div class="report">
      <div class="report-tools no-print">
        <label>
          月份
          <select
            value={month}
            onChange={(e) => setMonth(Number((e.target as HTMLSelectElement).value))}
          >
            {lastMonths(thisMonth(), kMonths)
              .reverse()
              .map((m) => (
                <option key={m} value={m}>
                  {monthWords(m)}
                </option>
              ))}
          </select>
        </label>
        <button
          type="button"
          disabled={!loaded || loaded.month !== month}
          onClick={() => loaded && download(`${title}.csv`, reportCsv(title, loaded.report))}
        >
          下载表格（CSV）
        </button>
        <button type="button" onClick={() => window.print()}>
          打印（A4）
        </button>
      </div>
      {problem && <Banner kind="problem">{problem}</Banner>}
      {!loaded || loaded.month !== month ? (
        <p>{problem ? '' : '正在读取报表……'}</p>
      ) : (
        <ReportBody title={title} loaded={loaded} />
      )}
    </div>
  );
}

function ReportBody(props: { title: string; loaded: Loaded }) {
  const r = props.loaded.report;
  const current = props.loaded.month === thisMonth();
  const at = current ? '现在' : '月底';
  return (
    <>
      <h2 class="report-title">{props.title}</h2>
      <p class="print-only">打印于 {dateTime(BigInt(Date.now()) * 1_000_000n)}</p>
      <p class="how">
        {current ? `本月到现在（${dateTime(BigInt(Date.now()) * 1_000_000n)}）` : '整月'}
        的数字；加分、扣分按公示期满入账的日子算。
      </p>
      <div class="kpis" data-testid="report-kpis">
        <p>
          发放 <strong>{points(r.issuedPoints)}</strong> 分
          <small>（{points(r.issuedAwards)}笔）</small>
        </p>
        <p>
          扣分 <strong>{points(r.deductedPoints)}</strong> 分
          <small>（{points(r.deductions)}笔）</small>
        </p>
        <p>
          兑换 <strong>{points(r.shops.reduce((sum, x) => sum + x.redeemed, 0n))}</strong> 分
        </p>
        <p>
          {at}未兑付 <strong>{points(liability(r))}</strong> 分
        </p>
      </div>
      <div class="charts">
        <section class="card">
          <BarChart
            id="chart-issued"
            title="发放的积分（按类别）"
            empty="这个月还没有入账的加分。"
            bars={r.issuedByCategory.map((x) => ({
              label: categoryWords(x.category),
              parts: [{ value: Number(x.points), kind: 'a' }],
              text: `${points(x.points)}分`,
            }))}
          />
        </section>
        <section class="card">
          <BarChart
            id="chart-redeemed"
            title="兑换的积分（按商店）"
            empty="村里还没有商店。"
            bars={r.shops.map((x) => ({
              label: plainName(x.name),
              parts: [{ value: Number(x.redeemed), kind: 'a' }],
              text: `${points(x.redeemed)}分${x.returned ? `（退回${points(x.returned)}分）` : ''}`,
            }))}
          />
        </section>
        <section class="card">
          <BarChart
            id="chart-liability"
            title="未兑付的积分（近12个月，各月底）"
            empty=""
            legend={[
              ['a', '各户手里的积分'],
              ['b', '商店收了还没结算的积分'],
            ]}
            bars={props.loaded.history.map(({ month, report }, i) => ({
              label: i === 0 || month % 100 === 1 ? monthWords(month) : `${month % 100}月`,
              parts: [
                { value: Number(report.outstandingPoints), kind: 'a' },
                { value: Number(report.outstandingHeldByShops), kind: 'b' },
              ],
              text: `${points(liability(report))}分`,
            }))}
          />
        </section>
        <section class="card">
          <BarChart id="chart-fund" title="村微基金（元）" empty="" bars={fundBars(r)} />
          <p class="how">
            已为批准的项目预留 {yuan(r.fundReserved)}；月底可用{' '}
            {yuan(r.fundClosing > r.fundReserved ? r.fundClosing - r.fundReserved : 0n)}。
          </p>
        </section>
      </div>
      <ReportTables r={r} />
    </>
  );
}

function fundBars(r: GetReportResponse): Bar[] {
  const bar = (label: string, fen: bigint, kind: 'a' | 'b'): Bar => ({
    label,
    parts: [{ value: Number(fen), kind }],
    text: yuan(fen),
  });
  return [
    bar('月初余额', r.fundOpening, 'a'),
    bar('商户让利收入', r.fundInLevy, 'a'),
    bar(`捐赠收入（${points(r.fundDonations)}笔）`, r.fundInDonations, 'a'),
    bar(`项目支出（${points(r.fundProjectsPaid)}个）`, r.fundOutProjects, 'b'),
    bar('月底余额', r.fundClosing, 'a'),
  ];
}

function ReportTables({ r }: { r: GetReportResponse }) {
  return (
    <div class="report-tables">
      <section class="card">
        <table class="passbook">
          <caption>加分和扣分（按规则）</caption>
          <thead>
            <tr>
              <th scope="col">规则</th>
              <th scope="col">类别</th>
              <th scope="col" class="num">
                笔数
              </th>
              <th scope="col" class="num">
                分数
              </th>
            </tr>
          </thead>
          <tbody>
            {[...r.issuedByRule, ...r.deductedByRule].map((x) => (
              <tr key={`${x.category}-${x.rule}`} data-testid="report-rule">
                <td>{plainName(x.ruleName)}</td>
                <td>{categoryWords(x.category)}</td>
                <td class="num">{points(x.awards)}</td>
                <td class="num">{points(x.points)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {r.issuedByRule.length + r.deductedByRule.length === 0 && <p>这个月还没有入账的。</p>}
      </section>
      <section class="card">
        <table class="passbook">
          <caption>各商店</caption>
          <thead>
            <tr>
              <th scope="col">商店</th>
              <th scope="col" class="num">
                兑换
              </th>
              <th scope="col" class="num">
                退回
              </th>
              <th scope="col" class="num">
                结算
              </th>
              <th scope="col" class="num">
                未结算
              </th>
            </tr>
          </thead>
          <tbody>
            {r.shops.map((x) => (
              <tr key={x.shop} data-testid="report-shop">
                <td>{plainName(x.name)}</td>
                <td class="num">
                  {points(x.redeemed)}分<small class="sub">{points(x.baskets)}篮</small>
                </td>
                <td class="num">{points(x.returned)}分</td>
                <td class="num">
                  {points(x.settledPoints)}分<small class="sub">{yuan(x.settledFen)}</small>
                </td>
                <td class="num">{points(x.heldPoints)}分</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <table class="passbook">
          <caption>未兑付的积分</caption>
          <tbody>
            <tr>
              <th scope="row">各户手里（{points(r.outstandingHouseholds)}户）</th>
              <td class="num">{points(r.outstandingPoints)}分</td>
            </tr>
            <tr>
              <th scope="row">商店还没结算</th>
              <td class="num">{points(r.outstandingHeldByShops)}分</td>
            </tr>
            <tr>
              <th scope="row">正在公示、还没入账的加分</th>
              <td class="num">{points(r.outstandingPendingAwards)}分</td>
            </tr>
            <tr>
              <th scope="row">正在公示、还没入账的扣分</th>
              <td class="num">{points(r.outstandingPendingDeductions)}分</td>
            </tr>
          </tbody>
        </table>
      </section>
    </div>
  );
}

// A CSV cell: quoted when it holds a comma, a quote or a line break.
function cell(v: string | bigint): string {
  const t = String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

// The report as a spreadsheet reads it: one table, a section in the first column. Money in
// yuan (two decimals), points whole.
export function reportCsv(title: string, r: GetReportResponse): string {
  const money = (fen: bigint) => `${fen / 100n}.${(fen % 100n).toString().padStart(2, '0')}`;
  const rows: (string | bigint)[][] = [[title], ['项目', '名称', '笔数', '数值', '单位']];
  for (const x of r.issuedByCategory) {
    rows.push(['发放（按类别）', categoryWords(x.category), x.awards, x.points, '分']);
  }
  for (const x of r.issuedByRule) {
    rows.push(['发放（按规则）', plainName(x.ruleName), x.awards, x.points, '分']);
  }
  for (const x of r.deductedByRule) {
    rows.push(['扣分（按规则）', plainName(x.ruleName), x.awards, x.points, '分']);
  }
  rows.push(['发放合计', '', r.issuedAwards, r.issuedPoints, '分']);
  rows.push(['扣分合计', '', r.deductions, r.deductedPoints, '分']);
  for (const x of r.shops) {
    const name = plainName(x.name);
    rows.push(['兑换', name, x.baskets, x.redeemed, '分']);
    rows.push(['退回', name, x.returns, x.returned, '分']);
    rows.push(['结算', name, '', x.settledPoints, '分']);
    rows.push(['结算付款', name, '', money(x.settledFen), '元']);
    rows.push(['未结算', name, '', x.heldPoints, '分']);
  }
  rows.push(['未兑付', '各户手里', r.outstandingHouseholds, r.outstandingPoints, '分']);
  rows.push(['未兑付', '商店还没结算', '', r.outstandingHeldByShops, '分']);
  rows.push(['公示中', '加分', '', r.outstandingPendingAwards, '分']);
  rows.push(['公示中', '扣分', '', r.outstandingPendingDeductions, '分']);
  rows.push(['微基金', '月初余额', '', money(r.fundOpening), '元']);
  rows.push(['微基金', '商户让利收入', '', money(r.fundInLevy), '元']);
  rows.push(['微基金', '捐赠收入', r.fundDonations, money(r.fundInDonations), '元']);
  rows.push(['微基金', '项目支出', r.fundProjectsPaid, money(r.fundOutProjects), '元']);
  rows.push(['微基金', '月底余额', '', money(r.fundClosing), '元']);
  rows.push(['微基金', '已为项目预留', '', money(r.fundReserved), '元']);
  // The byte-order mark tells spreadsheet programs the file is UTF-8.
  return '\uFEFF' + rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
