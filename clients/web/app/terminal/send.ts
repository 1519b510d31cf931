// Sending the outbox: oldest first, one at a time, each sale under its own basket id until the
// server's answer is known. What an answer means (offline-terminal facts, shops.proto):
// redeemed or refused by the ledger -> known, shown; the consent refused -> known, the customer
// shows a new code; the id naming another basket -> needs people; no answer (network, server
// down or busy) -> kept, sent again after a pause. Nothing is dropped without being shown.
// A member's cash sale (RecordCashSale, by its sale id) and a return (ReturnBasket, by the
// basket's id) go the same way: each is idempotent by its id, so a resend records nothing twice.
import { BasketState, Code, ConnectError } from '../../src/index.js';
import type { Clients } from '../api.js';
import { nanosToMs } from '../format.js';
import { markAnswer } from './limits.js';
import { listSales, putSale, type Sale } from './outbox.js';

// The pause after a send that got no answer doubles up to this.
const kBackoffMaxMs = 30_000;
const kBackoffFirstMs = 1_000;

function idBytes(id: string): Uint8Array {
  return Uint8Array.from(id.match(/../g)!.map((b) => parseInt(b, 16)));
}

// The ledger's reasons (English, for operators) in the shopkeeper's words.
export function refusalWords(refusal: string): string {
  if (/out of stock/.test(refusal)) return '库存不够，请少拿一些或换别的商品。';
  if (/not enough points/.test(refusal)) return '这户的积分不够，请少拿一些。';
  if (/closed/.test(refusal)) return '这户的积分账户已停用，请找村委会。';
  return '没有办成，请找村委会帮忙。';
}

// A basket sold offline that the server refused: the goods are gone (OFFLINE.md).
const kShortfallWords = '这是离线收的单，货已经给了，记为本店垫付，请找村委会结算。';

type Outcome = { known: true; sale: Sale } | { known: false; problem: string };

// The household's consent as the request carries it (shops.proto, PaymentConsent).
function consentOf(sale: Sale) {
  if (sale.card) return { cardNumber: sale.card, pin: sale.pin ?? '' };
  return sale.offline ? { offlineCode: sale.paymentCode } : { paymentCode: sale.paymentCode };
}

// One send of what the sale waits for (its redemption, cash record or return); its outcome
// written to the outbox before it is returned.
export async function sendOnce(clients: Clients, sale: Sale): Promise<Outcome> {
  if (sale.returned?.state === 'waiting') return sendReturn(clients, sale);
  if (sale.kind === 'cash') return sendCash(clients, sale);
  const sent: Sale = { ...sale, sends: sale.sends + 1 };
  await putSale(sent);
  try {
    const r = await clients.shops.redeemBasket({
      basket: {
        basketId: idBytes(sale.id),
        village: sale.village,
        shop: sale.shop,
        household: BigInt(sale.household),
        lines: sale.lines.map((l) => ({ item: l.item, quantity: BigInt(l.quantity) })),
      },
      consent: consentOf(sale),
      soldOfflineAt: sale.offline ? BigInt(sale.created) * 1_000_000n : 0n,
    });
    const basket = r.basket!;
    const redeemed = basket.state === BasketState.REDEEMED;
    const answered: Sale = {
      ...sent,
      pin: undefined, // the answer is known: the PIN is not kept
      state: redeemed ? 'done' : 'refused',
      total: redeemed ? Number(basket.pointsTotal) : sent.total,
      redeemedAt: redeemed ? nanosToMs(basket.redeemedAt) : undefined,
      words: redeemed ? '' : refusalWords(basket.refusal) + (sale.offline ? kShortfallWords : ''),
    };
    if (basket.state !== BasketState.REDEEMED && basket.state !== BasketState.REFUSED) {
      return { known: false, problem: '服务器还在处理，稍后再问。' }; // submitting: ask again
    }
    await putSale(answered);
    return { known: true, sale: answered };
  } catch (error) {
    const known = sale.card ? cardFailure(error) : knownFailure(error, sale.offline === true);
    if (!known) return { known: false, problem: transientWords(error) };
    const answered: Sale = { ...sent, pin: undefined, state: known.state, words: known.words };
    await putSale(answered);
    return { known: true, sale: answered };
  }
}

// An error that is the answer (nothing was recorded, or people must look); null: no answer.
function knownFailure(
  error: unknown,
  offline: boolean,
): { state: Sale['state']; words: string } | null {
  const e = ConnectError.from(error);
  switch (e.code) {
    case Code.PermissionDenied:
      if (offline) {
        return { state: 'refused', words: `离线付款码没有核对上。${kShortfallWords}` };
      }
      return {
        state: 'refused',
        words: '付款码不对、已经用过或已过期。请顾客在手机上换一个新的付款码，再扫一次。',
      };
    case Code.InvalidArgument:
    case Code.NotFound:
      return { state: 'refused', words: '商品有变动，请刷新商品后重新结算。' };
    case Code.AlreadyExists:
      return {
        state: 'attention',
        words: '这一单和以前的一单撞号了，没有扣积分。请截图后找村委会处理。',
      };
    default:
      return null;
  }
}

// A card's refusal in words (payment_book.h: the card not the household's, a wrong PIN with the
// attempts left, a locked card); null as for knownFailure.
function cardFailure(error: unknown): { state: Sale['state']; words: string } | null {
  const e = ConnectError.from(error);
  if (e.code !== Code.PermissionDenied && e.code !== Code.InvalidArgument) {
    return knownFailure(error, false);
  }
  const left = /wrong PIN: (\d+) attempts left/.exec(e.rawMessage);
  let words = '卡号和户号对不上，请核对卡上的户号和卡号。';
  if (left) words = `密码不对，还可以再试${left[1]}次。请顾客重新输入密码。`;
  else if (/blocked/.test(e.rawMessage)) words = '这张卡已经停用，请找村委会换一张新卡。';
  else if (/locked/.test(e.rawMessage)) words = '密码输错太多次，这张卡锁住了，请15分钟后再试。';
  else if (/card number/.test(e.rawMessage)) words = '卡号是12位数字，请核对后重新输入。';
  else if (e.code === Code.InvalidArgument) return knownFailure(error, false);
  return { state: 'refused', words };
}

// One send of a member's cash sale (RecordCashSale under the sale's id).
async function sendCash(clients: Clients, sale: Sale): Promise<Outcome> {
  const sent: Sale = { ...sale, sends: sale.sends + 1 };
  await putSale(sent);
  try {
    const r = await clients.shops.recordCashSale({
      saleId: idBytes(sale.id),
      village: sale.village,
      shop: sale.shop,
      household: BigInt(sale.household),
      lines: sale.lines.map((l) => ({ item: l.item, quantity: BigInt(l.quantity) })),
    });
    const cash = {
      listFen: Number(r.listFen),
      discountBp: r.discountBp,
      paidFen: Number(r.paidFen),
      levyBp: r.levyBp,
      levyFen: Number(r.levyFen),
    };
    const answered: Sale = {
      ...sent,
      state: 'done',
      cash,
      total: cash.paidFen,
      redeemedAt: nanosToMs(r.soldAt),
      words: '',
    };
    await putSale(answered);
    return { known: true, sale: answered };
  } catch (error) {
    const known = cashFailure(error);
    if (!known) return { known: false, problem: transientWords(error) };
    const answered: Sale = { ...sent, state: known.state, words: known.words };
    await putSale(answered);
    return { known: true, sale: answered };
  }
}

function cashFailure(error: unknown): { state: Sale['state']; words: string } | null {
  const e = ConnectError.from(error);
  switch (e.code) {
    case Code.NotFound:
      if (/not a household/.test(e.rawMessage)) {
        return { state: 'refused', words: '这个户号不是本村积分超市的会员户，不能按会员价收。' };
      }
      return { state: 'refused', words: '商品有变动，请刷新商品后重新结算。' };
    case Code.InvalidArgument:
      if (/not sold for cash/.test(e.rawMessage)) {
        return { state: 'refused', words: '有的商品没有现金价，不能用现金买。' };
      }
      return { state: 'refused', words: '商品有变动，请刷新商品后重新结算。' };
    case Code.PermissionDenied:
      return { state: 'refused', words: '这个户号不在本村，不能按会员价收。' };
    case Code.FailedPrecondition:
      return { state: 'attention', words: '本店的现金账还没有开通，没有记上。请找村委会。' };
    default:
      return knownFailure(error, false);
  }
}

// One send of a sale's return (ReturnBasket under the basket's id): every line back, its points
// to the household and its units to the stock.
async function sendReturn(clients: Clients, sale: Sale): Promise<Outcome> {
  const asked = sale.returned!;
  const sent: Sale = { ...sale, returned: { ...asked, sends: asked.sends + 1 } };
  await putSale(sent);
  const answer = (state: 'done' | 'refused', words: string): Sale => ({
    ...sent,
    returned: { ...sent.returned!, state, words, at: Date.now() },
  });
  try {
    const r = await clients.shops.returnBasket({
      village: sale.village,
      basketId: idBytes(sale.id),
    });
    if (r.basket?.state !== BasketState.RETURNED) {
      return { known: false, problem: '服务器还在处理，稍后再问。' };
    }
    const answered = answer('done', '');
    await putSale(answered);
    return { known: true, sale: answered };
  } catch (error) {
    const words = returnRefusal(error);
    if (!words) return { known: false, problem: transientWords(error) };
    const answered = answer('refused', words);
    await putSale(answered);
    return { known: true, sale: answered };
  }
}

function returnRefusal(error: unknown): string {
  switch (ConnectError.from(error).code) {
    case Code.FailedPrecondition:
      return '这一单不能退：本店已经和村委会结算了这些积分，或者这一单没有成交。请找村委会。';
    case Code.NotFound:
      return '服务器上没有这一单，不能退。';
    case Code.PermissionDenied:
      return '这一单不是本店的，不能在这里退。';
    default:
      return '';
  }
}

function transientWords(error: unknown): string {
  const code = ConnectError.from(error).code;
  if (code === Code.Unauthenticated) return '收银台的登录码失效了，请向村委会要新的登录码。';
  if (code === Code.ResourceExhausted) return '服务器忙，稍后自动重发。';
  return '连不上服务器，已存在本机，网络好了会自动发出。';
}

// What waits for the server, in the order it was asked for: a sale from its making, a return
// from its tap (after its own basket, which was answered before it could be returned).
export function outstanding(sales: Sale[]): Sale[] {
  const when = (s: Sale) => (s.state === 'waiting' ? s.created : s.returned!.asked);
  return sales
    .filter((s) => s.state === 'waiting' || s.returned?.state === 'waiting')
    .sort((a, b) => when(a) - when(b));
}

// Sends every waiting sale of the shop, oldest first, until all are answered or one gets no
// answer (then it waits and tries again: a later sale is never sent before an earlier one).
export class Sender {
  private running = false;
  private again = false;
  private pauseMs = kBackoffFirstMs;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly clients: Clients,
    private readonly village: number,
    private readonly shop: number,
    private readonly onChange: (problem: string) => void,
  ) {}

  // Starts a round now (a new sale, the link back); a round already running takes another turn.
  kick(): void {
    clearTimeout(this.timer);
    this.pauseMs = kBackoffFirstMs;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.round();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async round(): Promise<void> {
    this.running = true;
    let problem = '';
    try {
      do {
        this.again = false;
        const waiting = outstanding(await listSales(this.village, this.shop));
        for (const sale of waiting) {
          const outcome = await sendOnce(this.clients, sale);
          this.onChange('');
          if (outcome.known) markAnswer(this.village, this.shop);
          if (!outcome.known) {
            problem = outcome.problem;
            break;
          }
        }
      } while (this.again && !problem);
    } finally {
      this.running = false;
    }
    this.onChange(problem);
    if (problem) {
      this.timer = setTimeout(() => void this.round(), this.pauseMs);
      this.pauseMs = Math.min(kBackoffMaxMs, this.pauseMs * 2);
    }
  }
}
