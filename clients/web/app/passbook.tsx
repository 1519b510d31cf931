// The month's movements as a passbook (积分存折): opening balance, every posted movement with
// the balance after it, closing balance. Awards still on notice are shown in their own section,
// not here: a passbook holds only what has reached the balance.
import { MovementState, type GetStatementResponse, type StatementLine } from '../src/index.js';
import { dateTime, plainName, points } from './format.js';

// The ledger's transfer codes (server/domain/values/codes.h) in words.
const kCodeWords: Record<number, string> = {
  16: '积分到期作废',
  17: '原有积分转入',
  20: '在商店兑换',
  21: '退货退回积分',
};
const kAwardCodes = new Set([10, 11, 12, 13, 14]);
const kDeductionCode = 15;

export function describe(line: StatementLine, rules: Map<number, string>): string {
  const rule = rules.get(line.detail);
  if (kAwardCodes.has(line.code)) return rule ? plainName(rule) : '获得奖励积分';
  if (line.code === kDeductionCode) return `扣分：${rule ? plainName(rule) : '违反村规'}`;
  return kCodeWords[line.code] ?? '积分变动';
}

// A posted award, deduction, redemption or return: its receipt can be asked for by the award's or
// the basket's id (ReceiptService.ProveAward, ProveBasket; app/proof.tsx).
export function hasReceipt(line: StatementLine): boolean {
  const award = kAwardCodes.has(line.code) || line.code === kDeductionCode;
  return line.reference.length === 16 && (award || line.code === 20 || line.code === 21);
}

export function postedLines(statement: GetStatementResponse): StatementLine[] {
  return statement.lines.filter((l) => l.state === MovementState.POSTED);
}

export function Passbook(props: {
  statement: GetStatementResponse;
  rules: Map<number, string>;
  month: string;
  // The 凭证 action of a line that has a receipt (none in print).
  onReceipt?: (line: StatementLine) => void;
}) {
  const lines = postedLines(props.statement);
  return (
    <table class="passbook stack">
      <caption>{props.month}</caption>
      <thead>
        <tr>
          <th scope="col">日期</th>
          <th scope="col">摘要</th>
          <th scope="col" class="num">
            收入
          </th>
          <th scope="col" class="num">
            支出
          </th>
          <th scope="col" class="num">
            结余
          </th>
        </tr>
      </thead>
      <tbody>
        <tr class="carry">
          <td class="c-when">月初</td>
          <td class="c-what">上月结余</td>
          <td class="num c-amount" />
          <td class="num c-amount" />
          <td class="num c-bal">{points(props.statement.opening)}</td>
        </tr>
        {lines.map((line) => (
          <tr key={line.timestamp.toString()}>
            <td class="c-when">{dateTime(line.timestamp)}</td>
            <td class="c-what">
              {describe(line, props.rules)}
              {props.onReceipt && hasReceipt(line) && (
                <button
                  type="button"
                  class="no-print receipt-open"
                  aria-label={`凭证：${dateTime(line.timestamp)} ${describe(line, props.rules)}`}
                  onClick={() => props.onReceipt?.(line)}
                >
                  凭证
                </button>
              )}
            </td>
            <td class="num in c-amount">{line.credit ? `+${points(line.amount)}` : ''}</td>
            <td class="num out c-amount">{line.credit ? '' : `-${points(line.amount)}`}</td>
            <td class="num c-bal">{points(line.balanceAfter)}</td>
          </tr>
        ))}
        {lines.length === 0 && (
          <tr>
            <td colSpan={5}>本月还没有积分变动。</td>
          </tr>
        )}
      </tbody>
      <tfoot>
        <tr>
          <td class="c-when">现在</td>
          <td class="c-what">
            本月收入 {points(props.statement.credited)}，支出 {points(props.statement.debited)}
          </td>
          <td class="num c-amount" />
          <td class="num c-amount" />
          <td class="num c-bal">{points(props.statement.closing)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
