// A movement's receipt (凭证) on the household's page (issue 20): the receipts of the award or
// basket it belongs to (ReceiptService.ProveAward, ProveBasket), checked here in the browser:
// the county's signature, that every one of its records is in the ledger, that one of them is a
// transfer of this household's account for this award or basket, and that the ledger is the one
// the notice board shows (the same checkpoint, or one history with it by a consistency proof).
// That record's receipt (c2sp.org/tlog-proof@v1, the record in it) is saved as a file or printed
// alone on A4 with a QR code of it. The
// checks (app/verify/check.ts, with SHA-256 and Ed25519) are a bundle of their own, loaded when
// the first receipt is opened: the page's first load does not carry them.
import { useEffect, useRef, useState } from 'preact/hooks';

import { Code, ConnectError, type StatementLine } from '../src/index.js';
import type { TransferReceipt } from '../src/gen/points/v1/receipts_pb.js';
import { explain, type Clients } from './api.js';
import { clock, dateTime, fullDate, hex, points } from './format.js';
import { fingerprint, ledgerCheckpoint, type LedgerCheckpoint } from './ledger.js';
import { QrCode } from './paycode.js';
import type { Session } from './session.js';
import { Banner } from './shell.js';

type Checks = typeof import('./verify/check.js');

// A record committed in the last seconds is in the tree after the next checkpoint (every 2 s):
// asked again this often, this many times.
const kWaitMs = 2_000;
const kWaitTries = 10;
const kBasketCodes = new Set([20, 21]);
// engine/FORMAT.md: a journal record is 128 bytes, kind 2 a transfer; its debit and credit
// accounts and user_data_128 (an award's or basket's id, server/domain/values/ledger_layout.h)
// at these offsets, little-endian (the API's ids are big-endian).
const kRecordBytes = 128;
const kKindTransfer = 2;
const kDebitOffset = 32;
const kCreditOffset = 48;
const kUserData128Offset = 80;

let checksModule: Promise<Checks> | null = null;
function loadChecks(): Promise<Checks> {
  checksModule ??= (import(__RECEIPT_CHECKS__) as Promise<Checks>).catch((error) => {
    checksModule = null; // offline: the next receipt opened tries again
    throw error;
  });
  return checksModule;
}

interface Checked {
  state: 'ok';
  receipt: string; // the one kept: its record names this household and the award or basket
  index: bigint;
  size: bigint;
  root: Uint8Array;
  records: number;
  board: LedgerCheckpoint;
  onBoard: boolean; // the movement's record is in the board's checkpoint
}
type Outcome = { state: 'loading' | 'waiting' } | { state: 'error' | 'bad'; why: string } | Checked;

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function idAt(record: Uint8Array, offset: number, id: Uint8Array): boolean {
  return id.length === 16 && id.every((b, i) => record[offset + 15 - i] === b);
}

// The record is a transfer of this household's account for this award or basket.
function recordNames(record: Uint8Array, reference: Uint8Array, account: Uint8Array): boolean {
  if (record.length !== kRecordBytes || record[0] !== kKindTransfer) return false;
  const ours = idAt(record, kDebitOffset, account) || idAt(record, kCreditOffset, account);
  return ours && idAt(record, kUserData128Offset, reference);
}

async function prove(c: Clients, s: Session, line: StatementLine): Promise<TransferReceipt[]> {
  const r = kBasketCodes.has(line.code)
    ? await c.receipts.proveBasket({ village: s.village, basketId: line.reference })
    : await c.receipts.proveAward({ village: s.village, awardId: line.reference });
  return r.receipts;
}

// The board's checkpoint and the receipts' are one history: the same, or the older one's records
// the first of the newer's (RFC 9162 consistency proof).
async function oneHistory(
  checks: Checks,
  c: Clients,
  a: { size: bigint; root: Uint8Array },
  b: { size: bigint; root: Uint8Array },
): Promise<boolean> {
  if (a.size === b.size) return sameBytes(a.root, b.root);
  const [old, now] = a.size < b.size ? [a, b] : [b, a];
  const { proof } = await c.receipts.getConsistencyProof({ oldSize: old.size, size: now.size });
  return checks.verifyConsistency(old.size, now.size, old.root, now.root, proof);
}

// Every receipt of the award or basket is checked; the one kept (saved, printed) carries its
// record, which names this household and this award or basket: the movement's own when the
// household may read it, else the chain's that does (a posting's record names neither account:
// the pending transfer it posts does).
async function check(
  c: Clients,
  s: Session,
  line: StatementLine,
  account: Uint8Array,
): Promise<Outcome> {
  const [checks, board, receipts] = await Promise.all([
    loadChecks(),
    c.receipts.getCheckpoint({}).then(ledgerCheckpoint),
    prove(c, s, line),
  ]);
  const bad = (why: string): Outcome => ({ state: 'bad', why });
  const boardSigned = checks.verifyCheckpoint(board.note, board.publicKey);
  if (!boardSigned.ok) return bad(`公示栏上的账本：${boardSigned.why}`);
  const named: { r: TransferReceipt; index: bigint; size: bigint; root: Uint8Array }[] = [];
  for (const r of receipts) {
    const leaf = r.record.length > 0 ? undefined : r.leafHash;
    const v = checks.verifyReceipt(r.receipt, board.publicKey, [], leaf);
    if (!v.ok) return bad(v.why);
    if (recordNames(v.value.record, line.reference, account)) named.push({ r, ...v.value });
  }
  const kept = named.find((n) => sameBytes(n.r.transferId, line.transferId)) ?? named[0];
  if (!kept) return bad('凭证里没有一条记录写着您家的这一笔积分，可能被换过。');
  if (!(await oneHistory(checks, c, board, kept)))
    return bad('凭证上的账本和公示栏上的账本对不上：账本可能被改过。');
  const { index, size, root } = kept;
  const onBoard = index < board.size;
  const records = receipts.length;
  return { state: 'ok', receipt: kept.r.receipt, index, size, root, records, board, onBoard };
}

async function checkOrWhy(
  c: Clients,
  s: Session,
  line: StatementLine,
  account: Uint8Array,
): Promise<Outcome> {
  try {
    return await check(c, s, line, account);
  } catch (error) {
    if (ConnectError.from(error).code === Code.NotFound) return { state: 'waiting' };
    return { state: 'error', why: explain(error, '这一笔暂时取不到凭证，请稍后再试。').text };
  }
}

function saveFile(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The receipt printed alone (html.print-receipt; style.css): the household's page hides the
// rest of itself for it until the print dialog closes.
function printAlone() {
  const root = document.documentElement;
  root.classList.add('print-receipt');
  window.addEventListener('afterprint', () => root.classList.remove('print-receipt'), {
    once: true,
  });
  window.print();
}

const amountOf = (line: StatementLine) => `${line.credit ? '+' : '-'}${points(line.amount)}分`;

function Passed(props: { c: Checked; line: StatementLine; what: string; who: string }) {
  const { c } = props;
  const b = c.board;
  const witnesses = b.witnesses.map((w) => w.name).join('、');
  const boardWords = `公示栏上的账本（共 ${b.size} 条记录，指纹 ${fingerprint(b.root)}）`;
  return (
    <>
      <div class="verify-result good" role="status" data-testid="receipt-result">
        <h3>核对通过：这一笔记在村里的账本上</h3>
        <ul>
          <li>它是账本的第 {(c.index + 1n).toString()} 条记录，县里的签名对得上。</li>
          <li>
            {c.onBoard
              ? `${boardWords}包含这一笔，和凭证上的账本前后一致。`
              : `这一笔记在${boardWords}之后，下一版会包含它；两版账本前后一致。`}
          </li>
          <li>
            {witnesses
              ? `公示栏上的这一版有见证人签字：${witnesses}。`
              : '公示栏上的这一版还没有见证人签字。'}
          </li>
        </ul>
      </div>
      <p>
        这张凭证证明：这笔积分确实记进了村里的账本，以后谁也不能悄悄删掉或改掉它。核对就在这部手机上做，不用相信村里的服务器；凭证文件交给谁，谁都能自己核对。
      </p>
      <div class="row no-print">
        <button type="button" onClick={() => saveFile(c.receipt, `积分凭证-${c.index}.tlog-proof`)}>
          保存凭证文件
        </button>
        <button type="button" onClick={printAlone}>
          打印凭证
        </button>
      </div>
      <details class="no-print">
        <summary>详细</summary>
        <p>
          账本指纹全文：<code class="code-text">{hex(c.root)}</code>
        </p>
        <p>
          县里的账本公钥（请和县里公布的对一对）：<code class="code-text">{b.publicKey}</code>
        </p>
        <p>这一笔共有 {c.records} 条记录，都已核对。凭证全文：</p>
        <pre class="receipt-text">{c.receipt}</pre>
      </details>
      <PrintSheet {...props} />
    </>
  );
}

// The receipt on A4: what it is for, its figures, its QR code and its whole text.
function PrintSheet(props: { c: Checked; line: StatementLine; what: string; who: string }) {
  const { c } = props;
  const now = Date.now();
  return (
    <div class="receipt-sheet print-only">
      <h2>积分凭证</h2>
      <p>
        {props.who} · {dateTime(props.line.timestamp)} · {props.what} {amountOf(props.line)}
      </p>
      <p>
        村里账本的第 {(c.index + 1n).toString()} 条记录；账本当时共 {c.size.toString()} 条记录，指纹{' '}
        {fingerprint(c.root)}。
      </p>
      <QrCode text={c.receipt} label="凭证全文的二维码" />
      <p>
        这张凭证证明这笔积分记在村里的账本上，账本没有被改过。核对：用手机扫上面的二维码得到凭证全文，打开{' '}
        {location.origin}/verify 贴进去；不用相信村里的服务器。
      </p>
      <pre class="receipt-text">{c.receipt}</pre>
      <p>
        打印于 {fullDate(now)} {clock(now).slice(0, 5)}
      </p>
    </div>
  );
}

export function ReceiptPanel(props: {
  line: StatementLine;
  account: Uint8Array; // the household's
  what: string;
  who: string; // village and household, for the printed sheet
  clients: Clients;
  session: Session;
  onClose: () => void;
}) {
  const [outcome, setOutcome] = useState<Outcome>({ state: 'loading' });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const run = async (tries: number) => {
      const o = await checkOrWhy(props.clients, props.session, props.line, props.account);
      if (stopped) return;
      if (o.state === 'waiting' && tries < kWaitTries) timer = setTimeout(run, kWaitMs, tries + 1);
      else if (o.state === 'waiting')
        return setOutcome({ state: 'error', why: '账本还没有签上这一笔，请过一会儿再点“凭证”。' });
      setOutcome(o);
    };
    setOutcome({ state: 'loading' });
    void run(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.line]);
  const o = outcome;
  return (
    <section class="card receipt-card" aria-labelledby="receipt-title" data-testid="receipt">
      <div class="section-head no-print">
        <h2 id="receipt-title" tabIndex={-1} ref={heading}>
          凭证：{props.what}
        </h2>
        <button type="button" class="quiet" onClick={props.onClose}>
          关闭
        </button>
      </div>
      <p class="no-print">
        {dateTime(props.line.timestamp)} · {amountOf(props.line)}
      </p>
      {o.state === 'loading' && <p>正在核对……</p>}
      {o.state === 'waiting' && <p>这一笔刚记进账本，县里几秒钟内签名，正在等……</p>}
      {o.state === 'error' && <Banner kind="problem">{o.why}</Banner>}
      {o.state === 'bad' && (
        <div class="verify-result bad" role="alert" data-testid="receipt-result">
          <h3>没有通过核对</h3>
          <p>{o.why}</p>
          <p>请不要把它当作凭证，并告诉村务监督委员会。</p>
        </div>
      )}
      {o.state === 'ok' && <Passed c={o} line={props.line} what={props.what} who={props.who} />}
    </section>
  );
}
