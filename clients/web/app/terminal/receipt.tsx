// The sale's slip for a 58 mm receipt printer (the print stylesheet shows it alone): the shop,
// the items, the points, the time and the basket's number, which the committee can look up.
import { fullDate, villageTime } from '../format.js';
import type { Sale } from './outbox.js';

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
      <p class="receipt-foot">余额请在自家手机的积分页面查看。谢谢惠顾！</p>
    </section>
  );
}
