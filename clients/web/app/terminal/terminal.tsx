// The shop's terminal (shopkeeper role): the catalogue as a grid with points and stock, the
// basket with quantities, the household's consent by its payment code (scanned with the camera
// or typed) or its card and PIN (keypad.tsx), and the sale sent from the device's outbox (outbox.ts) until its answer is known:
// "已发出，等待回复", "成功", or the refusal in words. A receipt prints on a 58 mm slip. A
// redeemed basket is returned by its number (returns.tsx), and a member may pay cash at the
// shop's discount (cash.tsx), both through the same outbox; the day's summary is day.tsx.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { clientsFor, explain } from '../api.js';
import type { Session } from '../session.js';
import { Banner, Header, Help, useNow } from '../shell.js';
import {
  canonicalCode,
  fetchCatalogue,
  householdOfCode,
  isOfflineCode,
  storedCatalogue,
  type Catalogue,
  type ShopItem,
} from './catalogue.js';
import { lastAnswer, markAnswer, offlineRefusal } from './limits.js';
import {
  getSale,
  keepStorage,
  listSales,
  newSaleId,
  pruneSales,
  putSale,
  type Sale,
  type SaleLine,
} from './outbox.js';
import { CardKeypad, type CardConsent } from './keypad.js';
import { CashAnswerWords, CashForm, fenWords, listFen } from './cash.js';
import { DaySummary } from './day.js';
import { Receipt, basketNumber, saleTime } from './receipt.js';
import { ReturnFinder, ReturnPart, kReturnWords } from './returns.js';
import { Scanner } from './scanner.js';
import { Sender } from './send.js';

// The most units of one item in a basket (the contract allows 1..10000 per line).
const kQuantityMax = 99;
// Sales listed under the basket: the latest this many.
const kSalesShown = 8;

type Basket = Map<number, number>; // item -> quantity

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);
  return online;
}

export function TerminalPage(props: { session: Session; onSignOut: (why?: string) => void }) {
  const { session } = props;
  const shop = session.shop ?? 1;
  const clients = useMemo(() => clientsFor(session), [session.token]);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(() =>
    storedCatalogue(session.village, shop),
  );
  const [catalogueProblem, setCatalogueProblem] = useState('');
  const [basket, setBasket] = useState<Basket>(new Map());
  const [code, setCode] = useState('');
  const [sales, setSales] = useState<Sale[]>([]);
  const [current, setCurrent] = useState<string>('');
  const [sendProblem, setSendProblem] = useState('');
  const online = useOnline();
  const now = useNow(60_000); // the day's summary turns over at midnight
  const sender = useRef<Sender | null>(null);

  const reloadSales = async () => setSales(await listSales(session.village, shop));
  const loadCatalogue = async () => {
    try {
      setCatalogue(await fetchCatalogue(clients, session.village, shop));
      markAnswer(session.village, shop);
      setCatalogueProblem('');
    } catch (error) {
      const p = explain(error);
      if (p.fatal) props.onSignOut(p.text);
      else setCatalogueProblem(p.text);
    }
  };

  useEffect(() => {
    keepStorage();
    void pruneSales().then(reloadSales);
    void loadCatalogue();
    const s = new Sender(clients, session.village, shop, (problem) => {
      setSendProblem(problem);
      void reloadSales();
      if (!problem) void loadCatalogue();
    });
    sender.current = s;
    s.kick(); // whatever a reload or a crash left waiting goes first
    return () => s.stop();
  }, [clients]);
  useEffect(() => {
    if (online) sender.current?.kick();
  }, [online]);

  // A return is asked for once: written beside its sale before its first send (send.ts).
  const askReturn = async (id: string) => {
    const stored = await getSale(id);
    if (!stored || stored.state !== 'done' || stored.returned) return;
    await putSale({ ...stored, returned: { state: 'waiting', sends: 0, asked: Date.now() } });
    await reloadSales();
    sender.current?.kick();
  };

  const sale = sales.find((s) => s.id === current);
  const waiting = sales.filter(
    (s) => s.state === 'waiting' || s.returned?.state === 'waiting',
  ).length;
  return (
    <>
      <Header title="积分超市 收银台" onSignOut={() => props.onSignOut()} />
      <main class="terminal">
        {!online && (
          <Banner kind="offline">现在没有网络。商品按上次的库存显示，已收的单存在本机。</Banner>
        )}
        {online && waiting > 0 && sendProblem && <Banner kind="offline">{sendProblem}</Banner>}
        {sale ? (
          <SaleCard
            sale={sale}
            shop={shop}
            online={online}
            onReturn={() => void askReturn(sale.id)}
            onNext={() => setCurrent('')}
            onAgain={() => {
              setBasket(new Map(sale.lines.map((l) => [l.item, l.quantity])));
              setCurrent('');
            }}
          />
        ) : (
          <Checkout
            catalogue={catalogue}
            catalogueProblem={online ? catalogueProblem : ''}
            basket={basket}
            setBasket={setBasket}
            code={code}
            setCode={setCode}
            village={session.village}
            sales={sales}
            online={online}
            onSell={async (s) => {
              await putSale(s); // on disk before the first send
              setBasket(new Map());
              setCode('');
              setCurrent(s.id);
              await reloadSales();
              sender.current?.kick();
            }}
            shop={shop}
          />
        )}
        {!sale && <ReturnFinder sales={sales} onShow={setCurrent} />}
        <Shortfalls catalogue={catalogue} sales={sales} />
        <SalesList sales={sales} onShow={setCurrent} />
        {!sale && <DaySummary sales={sales} now={now} />}
      </main>
      <Help />
    </>
  );
}

function Checkout(props: {
  catalogue: Catalogue | null;
  catalogueProblem: string;
  basket: Basket;
  setBasket: (b: Basket) => void;
  code: string;
  setCode: (c: string) => void;
  village: number;
  shop: number;
  sales: Sale[];
  online: boolean;
  onSell: (sale: Sale) => Promise<void>;
}) {
  const items = props.catalogue?.items ?? [];
  const [problem, setProblem] = useState('');
  // Set on the first tap, before anything awaits: a second tap of the same sale finds it.
  const selling = useRef(false);
  const change = (item: number, by: number) => {
    const next = new Map(props.basket);
    const stock = items.find((i) => i.item === item)?.stock ?? 0;
    const q = Math.max(0, Math.min(kQuantityMax, stock, (next.get(item) ?? 0) + by));
    if (q === 0) next.delete(item);
    else next.set(item, q);
    props.setBasket(next);
  };
  const lines = [...props.basket].map(([item, quantity]) => {
    const i = items.find((x) => x.item === item)!;
    return { item, name: i.name, quantity, pointsEach: i.points };
  });
  const total = lines.reduce((sum, l) => sum + l.quantity * l.pointsEach, 0);
  // A card and PIN keyed in (keypad.tsx) name the household instead of a code.
  const [card, setCard] = useState<CardConsent | null>(null);
  const household = card
    ? card.household
    : props.code
      ? householdOfCode(props.code, props.village)
      : 0;
  const takeCode = (text: string): boolean => {
    const h = householdOfCode(text, props.village);
    setProblem(typeof h === 'string' ? h : '');
    if (typeof h === 'string') return false;
    props.setCode(canonicalCode(text));
    return true;
  };
  // The same basket bought for cash by a member: at the catalogue's cash prices (cash.tsx).
  const cashLines = lines.map((l) => ({
    ...l,
    cashEach: items.find((i) => i.item === l.item)?.cashFen ?? 0,
  }));
  const sellCash = async (member: number) => {
    const list = listFen(cashLines);
    if (selling.current || list === null || !props.online) return;
    selling.current = true;
    try {
      await props.onSell({
        id: newSaleId(),
        created: Date.now(),
        village: props.village,
        shop: props.shop,
        household: member,
        lines: cashLines,
        total: list,
        paymentCode: '',
        kind: 'cash',
        state: 'waiting',
        sends: 0,
      });
    } finally {
      selling.current = false;
    }
  };
  const sell = async () => {
    if (selling.current || typeof household !== 'number' || !household || !lines.length) return;
    const offline = !card && isOfflineCode(props.code);
    const why = props.online
      ? ''
      : card
        ? '现在没有网络，卡的密码要服务器核对，不能用卡付款。请等网络恢复，或请顾客用手机出示离线付款码。'
        : offlineRefusal(
            offline,
            props.catalogue?.limits,
            props.sales,
            household,
            total,
            lastAnswer(props.village, props.shop),
          );
    setProblem(why);
    if (why) return;
    selling.current = true;
    try {
      await props.onSell({
        id: newSaleId(),
        created: Date.now(),
        village: props.village,
        shop: props.shop,
        household,
        lines,
        total,
        paymentCode: card ? '' : props.code,
        offline,
        ...(card && { card: card.card, pin: card.pin }),
        state: 'waiting',
        sends: 0,
      });
    } finally {
      selling.current = false;
    }
  };
  return (
    <>
      <ItemGrid
        items={items}
        basket={props.basket}
        loading={!props.catalogue && !props.catalogueProblem}
        problem={props.catalogueProblem}
        onAdd={(item) => change(item, 1)}
      />
      <BasketLines lines={lines} total={total} onChange={change} />
      <PayCodeField
        household={typeof household === 'number' ? household : 0}
        byCard={card !== null}
        problem={problem}
        onCode={takeCode}
        onCard={(c) => {
          setProblem('');
          props.setCode('');
          setCard(c);
        }}
        onClear={() => {
          props.setCode('');
          setCard(null);
          setProblem(''); // a refusal of that code or card is no longer the question
        }}
      />
      <button
        type="button"
        class="primary sell"
        disabled={!lines.length || typeof household !== 'number' || !household}
        onClick={() => void sell()}
      >
        {lines.length ? `收 ${total} 积分` : '收积分'}
      </button>
      {lines.length > 0 && (
        <CashForm
          lines={cashLines}
          household={typeof household === 'number' ? household : 0}
          online={props.online}
          onCash={sellCash}
        />
      )}
    </>
  );
}

// The household's payment code: scanned with the camera or typed, or its card and PIN keyed in;
// once read, whose it is.
function PayCodeField(props: {
  household: number;
  byCard: boolean;
  problem: string;
  onCode: (text: string) => boolean;
  onCard: (c: CardConsent) => void;
  onClear: () => void;
}) {
  const [scanning, setScanning] = useState(false);
  const [keypad, setKeypad] = useState(false);
  const [typed, setTyped] = useState('');
  const take = (text: string) => {
    if (props.onCode(text)) setScanning(false);
  };
  return (
    <section class="card" aria-labelledby="pay-head">
      <h2 id="pay-head">付款码</h2>
      {props.household > 0 ? (
        <p class="payer">
          户号 <strong data-testid="payer">{props.household}</strong>{' '}
          {props.byCard ? '的卡号和密码已输入。' : '的付款码已收到。'}
          <button type="button" class="quiet" onClick={props.onClear}>
            {props.byCard ? '重新输入' : '重新扫'}
          </button>
        </p>
      ) : keypad ? (
        <CardKeypad
          onCard={(c) => {
            setKeypad(false);
            props.onCard(c);
          }}
          onClose={() => setKeypad(false)}
        />
      ) : scanning ? (
        <Scanner onCode={take} onClose={() => setScanning(false)} />
      ) : (
        <>
          <div class="row">
            <button type="button" class="primary" onClick={() => setScanning(true)}>
              扫付款码
            </button>
            <button type="button" onClick={() => setKeypad(true)}>
              用卡付款
            </button>
          </div>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              take(typed);
              setTyped('');
            }}
          >
            <label>
              或输入付款码下面的文字
              <input
                value={typed}
                autocomplete="off"
                spellcheck={false}
                onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">确定</button>
          </form>
        </>
      )}
      {props.problem && <Banner kind="problem">{props.problem}</Banner>}
    </section>
  );
}

// The shop's items as big buttons, with points and stock; an item is off once the basket holds
// all its stock.
function ItemGrid(props: {
  items: ShopItem[];
  basket: Basket;
  loading: boolean;
  problem: string;
  onAdd: (item: number) => void;
}) {
  return (
    <section class="card" aria-labelledby="items-head">
      <h2 id="items-head">商品</h2>
      {props.problem && <Banner kind="problem">{props.problem}</Banner>}
      {props.loading && <p>正在读取商品…</p>}
      <ul class="item-grid">
        {props.items.map((i) => (
          <li key={i.item}>
            <button
              type="button"
              class="item"
              disabled={i.stock <= (props.basket.get(i.item) ?? 0)}
              onClick={() => props.onAdd(i.item)}
            >
              <span class="item-name">{i.name}</span>
              <span class="item-price">{i.points} 积分</span>
              {(i.cashFen ?? 0) > 0 && (
                <span class="item-cash">现金 {fenWords(i.cashFen ?? 0)}</span>
              )}
              <span class="item-stock">{i.stock > 0 ? `库存 ${i.stock}` : '卖完了'}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function BasketLines(props: {
  lines: SaleLine[];
  total: number;
  onChange: (item: number, by: number) => void;
}) {
  return (
    <section class="card" aria-labelledby="basket-head">
      <h2 id="basket-head">这一单</h2>
      {props.lines.length === 0 ? (
        <p>点上面的商品加入这一单。</p>
      ) : (
        <ul class="basket">
          {props.lines.map((l) => (
            <li key={l.item}>
              <span class="basket-name">{l.name}</span>
              <button
                type="button"
                aria-label={`${l.name}减一`}
                onClick={() => props.onChange(l.item, -1)}
              >
                −
              </button>
              <span class="basket-qty" aria-label={`${l.name}数量`}>
                {l.quantity}
              </span>
              <button
                type="button"
                aria-label={`${l.name}加一`}
                onClick={() => props.onChange(l.item, 1)}
              >
                +
              </button>
              <span class="basket-pts">{l.quantity * l.pointsEach} 积分</span>
            </li>
          ))}
        </ul>
      )}
      <p class="basket-total">
        合计 <strong data-testid="total">{props.total}</strong> 积分
      </p>
    </section>
  );
}

const kStateWords: Record<Sale['state'], string> = {
  waiting: '已发出，等待回复…',
  done: '成功',
  refused: '没有成交',
  attention: '需要村委会处理',
};

function SaleCard(props: {
  sale: Sale;
  shop: number;
  online: boolean;
  onReturn: () => void;
  onNext: () => void;
  onAgain: () => void;
}) {
  const { sale } = props;
  const back = sale.returned;
  // A receipt for what the customer takes home: a sale done or sold offline, not taken back.
  const cash = sale.kind === 'cash';
  const slip =
    (sale.state === 'done' || (sale.state === 'waiting' && sale.offline)) && !back && !cash;
  const state = back ? back.state : sale.state;
  return (
    <section class={`card sale sale-${state}`} aria-live="polite">
      <h2 data-testid="sale-state">
        {back
          ? kReturnWords[back.state]
          : sale.state === 'waiting' && sale.offline
            ? '离线成交，等网络恢复后上传'
            : kStateWords[sale.state]}
      </h2>
      {sale.state === 'waiting' && !sale.offline && !cash && (
        <p>这一单已经存在本机，收到服务器的回复前不会重复扣积分。请稍候，不要重新收款。</p>
      )}
      {sale.state === 'waiting' && cash && (
        <p>这一单已经存在本机，收到服务器的回复前不会重复记账。请稍候，先不要收钱。</p>
      )}
      {sale.state === 'done' && cash && <CashAnswerWords sale={sale} />}
      {sale.state === 'waiting' && sale.offline && (
        <p>这一单已经存在本机，可以把货给顾客。网络恢复后会自动上传，只扣一次积分。</p>
      )}
      {sale.state === 'done' && !back && !cash && (
        <p>
          已从户号 {sale.household} 收 <strong>{sale.total}</strong> 积分。
        </p>
      )}
      {sale.words && <p data-testid="sale-words">{sale.words}</p>}
      {slip && <Receipt sale={sale} shopName={`积分超市 ${props.shop}号店`} />}
      {!slip && <p class="no-print">单号 {basketNumber(sale.id)}</p>}
      <ReturnPart sale={sale} online={props.online} onReturn={props.onReturn} />
      <div class="row no-print">
        {slip && (
          <button type="button" onClick={() => print()}>
            打印小票
          </button>
        )}
        {sale.state === 'refused' && (
          <button type="button" onClick={props.onAgain}>
            这些商品重新结算
          </button>
        )}
        <button type="button" class="primary" onClick={props.onNext}>
          下一位顾客
        </button>
      </div>
    </section>
  );
}

// Baskets sold offline that the server refused: the server's list (with the catalogue) and this
// device's own answers; the goods are gone and no points came in (OFFLINE.md).
function Shortfalls(props: { catalogue: Catalogue | null; sales: Sale[] }) {
  const listed = props.catalogue?.shortfalls ?? [];
  if (!listed.length) return null;
  const total = listed.reduce((n, s) => n + s.points, 0);
  return (
    <section class="card no-print shortfalls" aria-labelledby="short-head">
      <h2 id="short-head">离线单被退回（本店垫付）</h2>
      <p>
        共 <strong data-testid="shortfall-count">{listed.length}</strong> 单、{total}{' '}
        积分，请和村委会结算。
      </p>
      <ul>
        {listed.map((s) => (
          <li key={`${s.soldAt}-${s.household}`}>
            {saleTime(s.soldAt)} 户号{s.household} {s.points}积分 · {shortfallWords(s.reason)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function shortfallWords(reason: string): string {
  if (/not enough points/.test(reason)) return '这户的积分已在别处用掉';
  if (/out of stock/.test(reason)) return '库存不够';
  if (/already used/.test(reason)) return '付款码用过了';
  if (/hours after/.test(reason)) return '上传太晚';
  return '付款码没有核对上';
}

function SalesList(props: { sales: Sale[]; onShow: (id: string) => void }) {
  const latest = props.sales.slice(-kSalesShown).reverse();
  if (!latest.length) return null;
  return (
    <section class="card no-print" aria-labelledby="sales-head">
      <h2 id="sales-head">最近的单</h2>
      <ul class="sales">
        {latest.map((s) => (
          <li key={s.id}>
            <button type="button" class="quiet" onClick={() => props.onShow(s.id)}>
              {saleTime(s.redeemedAt ?? s.created)} 户号{s.household}{' '}
              {s.kind === 'cash' ? `现金${fenWords(s.total)}` : `${s.total}积分`} ·{' '}
              {s.returned
                ? kReturnWords[s.returned.state]
                : s.offline && s.state === 'waiting'
                  ? '离线，待上传'
                  : kStateWords[s.state]}{' '}
              · 单号
              {basketNumber(s.id)}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
