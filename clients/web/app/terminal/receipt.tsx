// The sale's slip for a 58 mm receipt printer (the print stylesheet shows it alone): the shop,
// the items, the points, the time and the basket's number, which the committee can look up; and
// the short form of its receipt (issue 20): its records' numbers in the ledger, the checkpoint's
// size and fingerprint, and where to check it. The receipt is asked of the server
// (ReceiptService.ProveBasket) once the sale is answered; a sale sold offline has none until it
// is synced, and the slip says so.
import { useEffect, useState } from 'preact/hooks';

import { Code, ConnectError } from '../../src/index.js';
import { clientsFor } from '../api.js';
import { fullDate, villageTime } from '../format.js';
import { fingerprint } from '../ledger.js';
import { loadSession } from '../session.js';
import type { Sale } from './outbox.js';

// A basket committed in the last seconds is in the ledger's tree after its next checkpoint
// (every 2 s): asked again this often, this many times.
const kProofWaitMs = 2_000;
const kProofTries = 15;

interface ShortReceipt {
  first: bigint; // record numbers as people count them, from 1
  last: bigint;
  size: bigint;
  root: Uint8Array;
}
type Proof = ShortReceipt | 'asking' | 'unavailable';

function basketIdOf(hexId: string): Uint8Array {
  return Uint8Array.from(hexId.match(/../g) ?? [], (b) => parseInt(b, 16));
}

// The basket's receipt once the server has answered the sale; 'asking' until then.
function useShortReceipt(sale: Sale): Proof {
  const [proof, setProof] = useState<Proof>('asking');
  useEffect(() => {
    const session = loadSession('shop');
    if (sale.state !== 'done' || !session) return;
    const receipts = clientsFor(session).receipts;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const ask = async (tries: number) => {
      try {
        const r = await receipts.proveBasket({
          village: sale.village,
          basketId: basketIdOf(sale.id),
        });
        const indexes = r.receipts.map((x) => x.index);
        if (stopped) return;
        if (indexes.length === 0) return setProof('unavailable');
        const { size, root } = ledgerOf(r.receipts[0].receipt);
        const last = indexes.reduce((a, b) => (a > b ? a : b));
        const first = indexes.reduce((a, b) => (a < b ? a : b));
        setProof({ first: first + 1n, last: last + 1n, size, root });
      } catch (error) {
        if (stopped) return;
        const notYet = ConnectError.from(error).code === Code.NotFound;
        if (notYet && tries < kProofTries) timer = setTimeout(ask, kProofWaitMs, tries + 1);
        else setProof('unavailable');
      }
    };
    void ask(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [sale.id, sale.state]);
  return proof;
}

// The checkpoint a receipt names (its size and root lines: c2sp.org/tlog-proof@v1).
function ledgerOf(receipt: string): { size: bigint; root: Uint8Array } {
  const lines = receipt.split('\n');
  const at = lines.indexOf('') + 1; // the checkpoint follows the proof's empty line
  const root = Uint8Array.from(atob(lines[at + 2] ?? ''), (c) => c.charCodeAt(0));
  return { size: BigInt(lines[at + 1] ?? '0'), root };
}

function ShortForm(props: { sale: Sale }) {
  const proof = useShortReceipt(props.sale);
  const verify = `${location.host}/verify`;
  if (props.sale.state !== 'done')
    return (
      <p class="receipt-proof" data-testid="slip-proof">
        离线成交：这一单还没有记进村里的账本。联网同步后才有账本凭证，到时在自家手机的积分页面点“凭证”查看。
      </p>
    );
  if (proof === 'asking')
    return (
      <p class="receipt-proof" data-testid="slip-proof">
        账本凭证正在生成……
      </p>
    );
  if (proof === 'unavailable')
    return (
      <p class="receipt-proof" data-testid="slip-proof">
        账本凭证暂时取不到，可在自家手机的积分页面点“凭证”查看。
      </p>
    );
  const records =
    proof.first === proof.last ? `第 ${proof.first} 条` : `第 ${proof.first}–${proof.last} 条`;
  return (
    <div class="receipt-proof" data-testid="slip-proof">
      <p>账本凭证：记录 {records}</p>
      <p>账本共 {proof.size.toString()} 条</p>
      <p>指纹 {fingerprint(proof.root)}</p>
      <p>核对 {verify}</p>
      <p>这一单已记进村里的账本，账本只能往后添、不能改。可在自家手机的积分页面点“凭证”核对。</p>
    </div>
  );
}

// The basket's number as people read it out: its id's first 8 hex digits, in two groups.
export function basketNumber(id: string): string {
  return `${id.slice(0, 4)}-${id.slice(4, 8)}`.toUpperCase();
}

export function saleTime(ms: number): string {
  const t = villageTime(ms);
  return `${t.month}月${t.day}日 ${t.hour}:${t.minute}`;
}

export function Receipt(props: { sale: Sale; shopName: string }) {
  const { sale } = props;
  const at = sale.redeemedAt ?? sale.created;
  return (
    <section class="receipt" aria-label="小票">
      <h2>{props.shopName}</h2>
      <p>积分兑换小票</p>
      <table>
        <thead>
          <tr>
            <th scope="col">商品</th>
            <th scope="col">数量</th>
            <th scope="col">积分</th>
          </tr>
        </thead>
        <tbody>
          {sale.lines.map((l) => (
            <tr key={l.item}>
              <td>{l.name}</td>
              <td class="num">{l.quantity}</td>
              <td class="num">{l.quantity * l.pointsEach}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="receipt-total">
        合计 <strong>{sale.total}</strong> 积分
      </p>
      <p>户号 {sale.household}</p>
      <p>
        {fullDate(at)} {saleTime(at).split(' ')[1]}
      </p>
      <p>单号 {basketNumber(sale.id)}</p>
      <ShortForm sale={sale} />
      <p class="receipt-foot">余额请在自家手机的积分页面查看。谢谢惠顾！</p>
    </section>
  );
}
