// The end-of-day summary: what this terminal's outbox holds for today (the village's day,
// Asia/Shanghai), counted as the committee's monthly report counts a shop (BoardService.GetReport,
// ShopTotal): baskets the server redeemed and their points, returns and the points given back,
// cash sales to members (what was paid) and the levy into the micro-fund. Each by the server's
// time of the answer, as the ledger dates it; what still waits is not counted, and said.
import { villageTime } from '../format.js';
import { fenWords } from './cash.js';
import type { Sale } from './outbox.js';

export interface Day {
  baskets: number;
  points: number;
  returns: number;
  returned: number;
  cashSales: number;
  cashFen: number;
  levyFen: number;
  waiting: number;
}

const dayKey = (ms: number) => {
  const t = villageTime(ms);
  return t.year * 10000 + t.month * 100 + t.day;
};

export function daySummary(sales: Sale[], now = Date.now()): Day {
  const today = dayKey(now);
  const on = (ms: number | undefined) => ms !== undefined && dayKey(ms) === today;
  const d: Day = {
    baskets: 0,
    points: 0,
    returns: 0,
    returned: 0,
    cashSales: 0,
    cashFen: 0,
    levyFen: 0,
    waiting: 0,
  };
  for (const s of sales) {
    if (s.state === 'waiting' || s.returned?.state === 'waiting') d.waiting++;
    if (s.state !== 'done' || !on(s.redeemedAt)) {
      // not sold today; its return may still be today's (below)
    } else if (s.kind === 'cash') {
      d.cashSales++;
      d.cashFen += s.cash?.paidFen ?? 0;
      d.levyFen += s.cash?.levyFen ?? 0;
    } else {
      d.baskets++;
      d.points += s.total;
    }
    if (s.returned?.state === 'done' && on(s.returned.at)) {
      d.returns++;
      d.returned += s.total;
    }
  }
  return d;
}

export function DaySummary(props: { sales: Sale[]; now: number }) {
  const d = daySummary(props.sales, props.now);
  const t = villageTime(props.now);
  return (
    <section class="card no-print day" aria-labelledby="day-head">
      <h2 id="day-head">
        今天的账（{t.month}月{t.day}日）
      </h2>
      <table class="day-table">
        <tbody>
          <tr>
            <th scope="row">积分兑换</th>
            <td>
              <span data-testid="day-baskets">{d.baskets}</span> 单，共{' '}
              <span data-testid="day-points">{d.points}</span> 积分
            </td>
          </tr>
          <tr>
            <th scope="row">退货</th>
            <td>
              <span data-testid="day-returns">{d.returns}</span> 单，退回{' '}
              <span data-testid="day-returned">{d.returned}</span> 积分
            </td>
          </tr>
          <tr>
            <th scope="row">实收积分</th>
            <td>
              <strong data-testid="day-net">{d.points - d.returned}</strong> 积分
            </td>
          </tr>
          <tr>
            <th scope="row">会员现金</th>
            <td>
              <span data-testid="day-cash-sales">{d.cashSales}</span> 单，收现金{' '}
              <span data-testid="day-cash">{fenWords(d.cashFen)}</span>
            </td>
          </tr>
          <tr>
            <th scope="row">交村微基金</th>
            <td>
              <span data-testid="day-levy">{fenWords(d.levyFen)}</span>
            </td>
          </tr>
        </tbody>
      </table>
      <p>
        这台收银台今天收的单。
        {d.waiting > 0 && `还有 ${d.waiting} 单没有收到服务器的回复，回复后才算进来。`}
      </p>
    </section>
  );
}
