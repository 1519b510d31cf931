// Cash sales to members (ShopService.RecordCashSale): the basket at the catalogue's cash prices,
// the household's number, and the server's answer: the member's discount on the list price and
// the share of what was paid the shop puts into the village micro-fund (the shop's terms, which
// the committee sets and only the server knows). Sent from the outbox like a basket, under a sale
// id drawn before the first send, so a double tap, a lost answer or a reload records it once.
// Online only: what the member pays is the server's word.
import { useState } from 'preact/hooks';

import { yuan } from '../format.js';
import { Banner } from '../shell.js';
import type { Sale, SaleLine } from './outbox.js';

export const fenWords = (fen: number) => yuan(BigInt(fen));

// 1000 basis points off: 9折.
export const discountWords = (bp: number) => `${(10000 - bp) / 1000}折`;

// The list price of the lines (fen); null when one of them has no cash price.
export function listFen(lines: SaleLine[]): number | null {
  if (lines.some((l) => !l.cashEach)) return null;
  return lines.reduce((sum, l) => sum + l.quantity * (l.cashEach ?? 0), 0);
}

// Under the basket: the member's number and the button that records the cash sale.
export function CashForm(props: {
  lines: SaleLine[];
  household: number;
  online: boolean;
  onCash: (household: number) => Promise<void>;
}) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const list = listFen(props.lines);
  const shown = typed || (props.household ? String(props.household) : '');
  const record = async () => {
    const household = Number(shown.trim());
    if (!/^\d{1,9}$/.test(shown.trim()) || household <= 0) {
      setProblem('请填会员的户号（数字）。');
      return;
    }
    if (busy) return;
    setProblem('');
    setBusy(true);
    try {
      await props.onCash(household);
      setTyped('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card cash" aria-labelledby="cash-head">
      <h2 id="cash-head">会员用现金买</h2>
      {list === null ? (
        <p>这一单里有的商品没有现金价，只能用积分买。</p>
      ) : (
        <>
          <p>
            原价合计 <strong data-testid="cash-list">{fenWords(list)}</strong>
            。记账后显示会员价（应收多少）和本店交村微基金的钱。
          </p>
          {!props.online && (
            <Banner kind="offline">现在没有网络，会员价要等网络恢复才能记账。</Banner>
          )}
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void record();
            }}
          >
            <label>
              会员户号
              <input
                value={shown}
                inputMode="numeric"
                autocomplete="off"
                onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit" disabled={!props.online || busy}>
              按会员价记现金账
            </button>
          </form>
        </>
      )}
      {problem && <Banner kind="problem">{problem}</Banner>}
    </section>
  );
}

// On a cash sale's card once the server answered: what to take, the discount and the levy.
export function CashAnswerWords(props: { sale: Sale }) {
  const c = props.sale.cash;
  if (!c) return null;
  return (
    <div class="cash-answer">
      <p class="cash-take">
        户号 {props.sale.household} 按会员价，请收现金{' '}
        <strong data-testid="cash-paid">{fenWords(c.paidFen)}</strong>
      </p>
      <p>
        原价 {fenWords(c.listFen)}
        {c.discountBp > 0
          ? `，会员${discountWords(c.discountBp)}，优惠${fenWords(c.listFen - c.paidFen)}。`
          : '，本店对会员没有折扣。'}
      </p>
      <p>
        {c.levyBp > 0 ? (
          <>
            其中 <strong data-testid="cash-levy">{fenWords(c.levyFen)}</strong>{' '}
            由本店交村微基金（实收的{c.levyBp / 100}%），已从本店的账上记走。
          </>
        ) : (
          '本店不用交村微基金。'
        )}
      </p>
    </div>
  );
}
