// Shops and settlement (商店结算): each shop of the village with its catalogue, prices and stock
// (ListItems), the month's redemptions and the points it holds (GetReport's ShopTotal), and the
// committee's settlement of those points for money (SettleShop): the amount is shown and
// confirmed before anything is sent. The settlement's id is drawn when the confirmation opens
// and kept until its answer is known, so a second tap or a resend after a lost answer settles
// once; a settlement sent is also kept on the device until its answer comes, so the same one is
// sent again after a reload or a closed laptop. The auditor sees the same without the settlement
// (server/AUTHZ.md).
import { useEffect, useState } from 'preact/hooks';

import {
  Code,
  ConnectError,
  SettlementState,
  type Item,
  type OfflineShortfall,
  type Settlement,
  type ShopTotal,
} from '../../src/index.js';
import { explain, isOffline, type Clients } from '../api.js';
import { dateTime, hex, plainName, points, randomId, thisMonth, yuan } from '../format.js';
import { Banner } from '../shell.js';
import type { ConsoleSession } from './session.js';

// Stock at or below this is flagged as running out.
const kLowStock = 3;
const kFenPerPointMax = 100_000;

interface ShopView {
  total: ShopTotal;
  items: Item[];
  shortfalls: OfflineShortfall[];
}

async function loadShops(c: Clients, s: ConsoleSession): Promise<ShopView[]> {
  const report = await c.board.getReport({ village: s.village, month: thisMonth() });
  return Promise.all(
    report.shops.map(async (total) => {
      const r = await c.shops.listItems({ village: s.village, shop: total.shop });
      return { total, items: r.items, shortfalls: r.offlineShortfalls };
    }),
  );
}

// 1.5 (yuan a point, as typed) in fen; 0 when it is not a rate.
function fenOf(text: string): number {
  const m = /^\s*(\d{1,4})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return 0;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen >= 1 && fen <= kFenPerPointMax ? fen : 0;
}

export function Shops(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [shops, setShops] = useState<ShopView[] | null>(null);
  const [problem, setProblem] = useState('');
  const reload = () =>
    loadShops(c, s).then(
      (v) => (setShops(v), setProblem('')),
      (e) => setProblem(explain(e).text),
    );
  useEffect(() => {
    reload();
  }, []);
  if (!shops) return <p>{problem || '正在读取各商店……'}</p>;
  return (
    <div class="shops">
      {problem && <Banner kind="problem">{problem}</Banner>}
      {shops.length === 0 && <p>村里还没有商店。</p>}
      {shops.map((v) => (
        <ShopCard key={v.total.shop} view={v} clients={c} session={s} reload={reload} />
      ))}
    </div>
  );
}

function ShopCard(props: {
  view: ShopView;
  clients: Clients;
  session: ConsoleSession;
  reload: () => Promise<void>;
}) {
  const { total: t, items, shortfalls } = props.view;
  const name = plainName(t.name);
  const id = `shop-${t.shop}`;
  const shortPoints = shortfalls.reduce((sum, f) => sum + f.points, 0n);
  return (
    <section class="card shop" aria-labelledby={id} data-testid="shop">
      <h2 id={id}>
        {name} <small>{t.shop}号商店</small>
      </h2>
      <p class="held" data-testid="shop-held">
        {t.heldPoints > 0n ? (
          <>
            现有 <strong>{points(t.heldPoints)}</strong> 分未结算
          </>
        ) : (
          '现在没有未结算的积分'
        )}
      </p>
      <p class="how">
        本月兑换 {points(t.baskets)} 篮共 {points(t.redeemed)} 分
        {t.returned ? `，退回 ${points(t.returned)} 分` : ''}
        {t.settledPoints
          ? `，已结算 ${points(t.settledPoints)} 分（付 ${yuan(t.settledFen)}）`
          : ''}
        {t.cashSalesFen ? `；会员现金消费 ${yuan(t.cashSalesFen)}` : ''}
        {t.levyFen ? `，让利进微基金 ${yuan(t.levyFen)}` : ''}。
      </p>
      {shortfalls.length > 0 && (
        <p class="flag">
          没网时卖出、后来没能入账的有 {shortfalls.length} 笔，共 {points(shortPoints)}{' '}
          分，结算时请与商店核对。
        </p>
      )}
      <table class="items">
        <caption>商品、价格和库存</caption>
        <thead>
          <tr>
            <th scope="col">商品</th>
            <th scope="col" class="num">
              积分价
            </th>
            <th scope="col" class="num">
              现金价
            </th>
            <th scope="col" class="num">
              库存
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.item} data-testid="shop-item">
              <td>{plainName(i.name)}</td>
              <td class="num">{points(i.pointsPrice)}分</td>
              <td class="num">{i.cashPriceFen ? yuan(i.cashPriceFen) : '不卖现金'}</td>
              <td class={i.stock <= BigInt(kLowStock) ? 'num low' : 'num'}>
                {points(i.stock)}
                {i.stock === 0n ? '（没货了）' : i.stock <= BigInt(kLowStock) ? '（快没了）' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && <p>还没有上架的商品。</p>}
      {props.session.role === 'committee' && (
        <Settle total={t} clients={props.clients} session={props.session} reload={props.reload} />
      )}
    </section>
  );
}

// What the committee is about to pay, fixed when the confirmation opens.
interface Pending {
  id: Uint8Array;
  points: bigint;
  fenPerPoint: number;
  unanswered: boolean; // sent, and no answer came
}

// A settlement sent and not yet answered, kept per village and shop.
const keyOf = (village: number, shop: number) => `points.console.settle.${village}.${shop}`;

function loadSent(village: number, shop: number): Pending | null {
  try {
    const p = JSON.parse(localStorage.getItem(keyOf(village, shop)) ?? 'null');
    if (!p || !/^[0-9a-f]{32}$/.test(p.id)) return null;
    const id = Uint8Array.from(p.id.match(/../g), (b: string) => parseInt(b, 16));
    return { id, points: BigInt(p.points), fenPerPoint: Number(p.fenPerPoint), unanswered: true };
  } catch {
    return null; // a damaged entry: nothing was kept
  }
}

function keepSent(village: number, shop: number, p: Pending | null): void {
  if (!p) return localStorage.removeItem(keyOf(village, shop));
  const kept = { id: hex(p.id), points: String(p.points), fenPerPoint: p.fenPerPoint };
  localStorage.setItem(keyOf(village, shop), JSON.stringify(kept));
}

function Settle(props: {
  total: ShopTotal;
  clients: Clients;
  session: ConsoleSession;
  reload: () => Promise<void>;
}) {
  const t = props.total;
  const name = plainName(t.name);
  const [rate, setRate] = useState('1');
  const village = props.session.village;
  const [pending, setPending] = useState<Pending | null>(() => loadSent(village, t.shop));
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const [problem, setProblem] = useState('');
  const fen = fenOf(rate);
  const ask = () => {
    setDone('');
    if (!fen) return setProblem('每分折合的钱数要是0.01到1000元之间，最多两位小数。');
    setProblem('');
    setPending({ id: randomId(), points: t.heldPoints, fenPerPoint: fen, unanswered: false });
  };
  const confirm = async () => {
    if (!pending || busy) return;
    setBusy(true);
    keepSent(village, t.shop, pending); // before the send: a reload sends this one again
    try {
      const { settlement } = await props.clients.shops.settleShop({
        village: props.session.village,
        shop: t.shop,
        settlementId: pending.id,
        fenPerPoint: BigInt(pending.fenPerPoint),
      });
      keepSent(village, t.shop, null);
      setPending(null);
      settled(settlement);
    } catch (e) {
      if (isOffline(e)) {
        setPending({ ...pending, unanswered: true });
        setProblem('');
      } else {
        keepSent(village, t.shop, null);
        setPending(null);
        setProblem(
          ConnectError.from(e).code === Code.FailedPrecondition
            ? `「${name}」现在没有积分可结算（可能刚被别的村委结算过）。`
            : explain(e, '没有结算成功，请稍后再试。').text,
        );
      }
    } finally {
      setBusy(false);
    }
    await props.reload();
  };
  const settled = (st: Settlement | undefined) => {
    if (!st || st.state !== SettlementState.SETTLED) {
      setProblem(`「${name}」没有结算成功：账上没能记上这一笔，请稍后再试。`);
      return;
    }
    const other =
      pending && st.points !== pending.points
        ? `（确认前又有兑换，实际按 ${points(st.points)} 分结算）`
        : '';
    setDone(
      `已结算：收回「${name}」的 ${points(st.points)} 分，付给商店 ${yuan(st.fen)}（${dateTime(st.settledAt)}）${other}。`,
    );
  };
  const cost = pending ? BigInt(pending.fenPerPoint) * pending.points : 0n;
  return (
    <div class="settle" data-testid="settle">
      {done && <Banner kind="done">{done}</Banner>}
      {problem && <Banner kind="problem">{problem}</Banner>}
      {!pending && t.heldPoints > 0n && (
        <div class="row">
          <label>
            每分折合多少元
            <input
              inputMode="decimal"
              value={rate}
              onInput={(e) => setRate((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="button" class="primary" onClick={ask}>
            结算这 {points(t.heldPoints)} 分
          </button>
        </div>
      )}
      {pending && (
        <div class="pending" role="group" aria-labelledby={`confirm-${t.shop}`}>
          <p class="what" id={`confirm-${t.shop}`}>
            确认结算：收回「{name}」现有的 {points(pending.points)} 分，按每分{' '}
            {yuan(BigInt(pending.fenPerPoint))}，付给商店 <strong>{yuan(cost)}</strong>。
          </p>
          {pending.unanswered && (
            <p class="how">上次确认后没有收到回复。再确认一次是同一笔结算，不会重复付款。</p>
          )}
          <div class="row">
            <button type="button" class="primary" disabled={busy} onClick={confirm}>
              {pending.unanswered ? '再确认一次（不会重复付款）' : `确认结算，付 ${yuan(cost)}`}
            </button>
            {!pending.unanswered && (
              <button type="button" class="quiet" disabled={busy} onClick={() => setPending(null)}>
                取消
              </button>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
