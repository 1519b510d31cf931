// Returns: the shopkeeper finds a sale by the basket number on its receipt (or taps it in the
// latest sales) and takes the basket back whole (ShopService.ReturnBasket: every line, points to
// the household, units to the stock). The return is kept with the sale in the outbox from the
// tap until its answer is known and sent by the same sender: a double tap, a lost answer or a
// reload return nothing twice (the server answers a returned basket as it stands).
import { useState } from 'preact/hooks';

import { Banner } from '../shell.js';
import type { Sale } from './outbox.js';
import { basketNumber } from './receipt.js';

// The number as printed (单号 1A2B-3C4D), typed with or without the dash, in any case.
function typedNumber(text: string): string {
  const t = text.trim().toUpperCase().replace(/[\s-]/g, '');
  return /^[0-9A-F]{8}$/.test(t) ? `${t.slice(0, 4)}-${t.slice(4)}` : '';
}

export const kReturnWords: Record<NonNullable<Sale['returned']>['state'], string> = {
  waiting: '退货已发出，等待回复…',
  done: '已退货',
  refused: '没有退成',
};

// A sale this device sold on points and the server redeemed: the only kind a return takes.
export const returnable = (s: Sale) => s.state === 'done' && s.kind !== 'cash' && !s.returned;

// The receipt's basket number: the sale on this device with that number, shown for its return.
export function ReturnFinder(props: { sales: Sale[]; onShow: (id: string) => void }) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState('');
  const find = () => {
    const number = typedNumber(typed);
    if (!number) {
      setProblem('单号是小票上“单号”后面的8位字母和数字，例如 1A2B-3C4D。');
      return;
    }
    const sale = props.sales.find(
      (s) => basketNumber(s.id) === number && s.state === 'done' && s.kind !== 'cash',
    );
    if (!sale) {
      setProblem(
        '这台收银台上没有这个单号的成交单（只能退7天内在这台收银台上收的单）。请在收这一单的收银台上退，或请村委会帮忙。',
      );
      return;
    }
    setProblem('');
    setTyped('');
    props.onShow(sale.id);
  };
  return (
    <section class="card no-print" aria-labelledby="return-head">
      <h2 id="return-head">退货</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          find();
        }}
      >
        <label>
          小票上的单号
          <input
            value={typed}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">查找这一单</button>
      </form>
      {problem && <Banner kind="problem">{problem}</Banner>}
    </section>
  );
}

// On a sale's card: the return asked for (with a second tap to confirm), and its state.
export function ReturnPart(props: { sale: Sale; online: boolean; onReturn: () => void }) {
  const { sale } = props;
  const [asking, setAsking] = useState(false);
  if (sale.returned) {
    const r = sale.returned;
    return (
      <>
        {r.state === 'waiting' && (
          <p>退货已经存在本机，收到服务器的回复前不会重复退积分。请稍候。</p>
        )}
        {r.state === 'done' && (
          <p>
            <strong>{sale.total}</strong> 积分已退回户号 {sale.household}，商品已放回库存。
          </p>
        )}
        {r.words && <p data-testid="return-words">{r.words}</p>}
      </>
    );
  }
  if (!returnable(sale)) return null;
  if (!asking) {
    return (
      <button type="button" class="no-print" onClick={() => setAsking(true)}>
        退货
      </button>
    );
  }
  return (
    <div class="card return-ask no-print">
      <p>
        整单退货：户号 {sale.household} 的 <strong>{sale.total}</strong>{' '}
        积分全部退回，商品全部放回库存。请先把商品收回来。
      </p>
      {!props.online && <Banner kind="offline">现在没有网络，退货要等网络恢复。</Banner>}
      <div class="row">
        <button
          type="button"
          class="primary"
          disabled={!props.online}
          onClick={() => {
            setAsking(false);
            props.onReturn();
          }}
        >
          确认退货
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          不退了
        </button>
      </div>
    </div>
  );
}
