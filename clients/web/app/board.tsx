// The notice board (公示栏) for the village hall's big screen: awards on notice with a countdown
// to the end of their window, the month's posted awards with their reasons, the month's ranking
// (光荣榜), the community micro-fund (社区微基金) and the month's rated matters with those they
// commend (表彰); the ledger's latest checkpoint, its size, fingerprint and witnesses, as text
// and a QR code (issue 20); names masked as the server gives them. Reloaded every kPollMs (recording, objecting
// and deciding change no balance, so there is no stream to follow), on through network drops.
import { useEffect, useRef, useState } from 'preact/hooks';

import { Category, RoundSubject, type BoardAward, type GetBoardResponse } from '../src/index.js';
import { clientsFor, explain } from './api.js';
import {
  clock,
  dateTime,
  fullDate,
  hex,
  monthName,
  nanosToMs,
  plainName,
  points,
  remaining,
  yuan,
} from './format.js';
import { fingerprint, ledgerCheckpoint, type LedgerCheckpoint } from './ledger.js';
import { QrCode } from './paycode.js';
import type { Session } from './session.js';
import { Banner, Help, useNow } from './shell.js';

const kPollMs = 3_000;

function Signed(props: { award: BoardAward }) {
  const deduction = props.award.category === Category.DEDUCTION;
  return (
    <span class={`pts ${deduction ? 'out' : 'in'}`}>
      {deduction ? '扣' : '+'}
      {points(props.award.points)}分
    </span>
  );
}

function OnNotice(props: { board: GetBoardResponse; now: number }) {
  const list = props.board.onNotice;
  return (
    <section class="card on-notice" aria-labelledby="on-notice-title">
      <h2 id="on-notice-title">
        正在公示{' '}
        <small>共 {points(props.board.onNoticeTotal)} 条，公示期内可向村委会提出异议</small>
      </h2>
      {list.length === 0 && <p>现在没有正在公示的事项。</p>}
      <ul class="board-list">
        {list.map((a) => (
          <li key={hex(a.awardId)} class={a.objected ? 'held' : ''} data-testid="board-notice">
            <p class="what">
              <strong class="name">{a.householdName}</strong> <Signed award={a} />{' '}
              {plainName(a.ruleName)}
            </p>
            {a.note && <p class="note">理由：{plainName(a.note)}</p>}
            <p class="when">
              {a.objected ? (
                <span class="flag">⚠ 有异议，暂缓入账，等村委会处理</span>
              ) : (
                <>
                  公示到 {dateTime(a.noticeEndsAt)}
                  <span class="no-print">
                    {' '}
                    · <strong>{remaining(nanosToMs(a.noticeEndsAt), props.now)}</strong>
                  </span>
                </>
              )}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Posted(props: { board: GetBoardResponse }) {
  const list = props.board.recent;
  return (
    <section class="card posted" aria-labelledby="posted-title">
      <h2 id="posted-title">
        本月已入账 <small>共 {points(props.board.postedInMonth)} 条</small>
      </h2>
      {list.length === 0 && <p>本月还没有入账的奖励或扣分。</p>}
      <table class="board-table stack">
        <thead>
          <tr>
            <th scope="col">户</th>
            <th scope="col">事项</th>
            <th scope="col" class="num">
              积分
            </th>
            <th scope="col">理由</th>
            <th scope="col">入账时间</th>
          </tr>
        </thead>
        <tbody>
          {list.map((a) => (
            <tr key={hex(a.awardId)}>
              <td class="c-name">{a.householdName}</td>
              <td class="c-what">{plainName(a.ruleName)}</td>
              <td class="num c-amount">
                <Signed award={a} />
              </td>
              <td class="c-note">{plainName(a.note)}</td>
              <td class="c-when">{dateTime(a.noticeEndsAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Ranking(props: { board: GetBoardResponse }) {
  const list = props.board.ranking;
  return (
    <section class="card ranking" aria-labelledby="ranking-title">
      <h2 id="ranking-title">本月光荣榜</h2>
      {list.length === 0 && <p>本月还没有得分的家庭。</p>}
      <ol class="rank-list">
        {list.map((r) => (
          <li key={r.household.toString()}>
            <span class="rank">第{r.rank}名</span>
            <span class="name">{r.householdName}</span>
            <span class="pts">{points(r.earned)}分</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

// Thousandths of a star as one decimal: 4667 -> 4.7.
function stars(milli: bigint): string {
  const tenths = (milli + 50n) / 100n;
  return `${tenths / 10n}.${tenths % 10n}`;
}

const kSubjectWord: Record<number, string> = {
  [RoundSubject.PROJECT]: '项目',
  [RoundSubject.TASK]: '任务',
  [RoundSubject.SERVICE]: '服务',
};

function Fund(props: { board: GetBoardResponse }) {
  const b = props.board;
  return (
    <section class="card fund" aria-labelledby="fund-title" data-testid="board-fund">
      <h2 id="fund-title">社区微基金</h2>
      <p class="fund-balance">
        现有 <strong>{yuan(b.fundBalance)}</strong>
      </p>
      <p>
        其中已留给批准的项目 {yuan(b.fundReserved)}，还可用 {yuan(b.fundAvailable)}。
      </p>
      <p>
        本月收入 {yuan(b.fundIn)}（商户让利、捐赠），支出 {yuan(b.fundOut)}（项目）。
      </p>
    </section>
  );
}

function Rated(props: { board: GetBoardResponse }) {
  const { rated, commended } = props.board;
  if (rated.length === 0 && commended.length === 0) return null;
  return (
    <section class="card rated" aria-labelledby="rated-title" data-testid="board-rated">
      <h2 id="rated-title">本月评议</h2>
      <ul class="rated-list">
        {rated.map((m) => (
          <li key={m.round}>
            <span class="what">
              {kSubjectWord[m.subject] ?? '事项'}：{plainName(m.title)}
              {m.partyName ? `（${plainName(m.partyName)}）` : ''}
            </span>
            <span class="how">
              {m.ratings > 0n
                ? `平均 ${stars(m.averageMilli)} 星，${m.ratings} 户评`
                : '还没有人评'}
              {m.closed ? '' : '，评议中'}
            </span>
          </li>
        ))}
      </ul>
      {commended.length > 0 && (
        <>
          <h3>表彰</h3>
          <p>{commended.map((c) => plainName(c.partyName)).join('、')}</p>
        </>
      )}
    </section>
  );
}

// The ledger's latest checkpoint: what a receipt's size and fingerprint are compared with.
function Ledger(props: { ledger: LedgerCheckpoint | null }) {
  const l = props.ledger;
  const signed = l?.witnesses.map((w) => `${w.name}（${dateTime(BigInt(w.atMs) * 1_000_000n)}）`);
  return (
    <section class="card ledger" aria-labelledby="ledger-title" data-testid="board-ledger">
      <h2 id="ledger-title">
        账本指纹 <small>人人都可以核对</small>
      </h2>
      {!l ? (
        <p>账本还没有签名，请稍等。</p>
      ) : (
        <div class="ledger-body">
          <div>
            <p>
              村里的账本现在共有 <strong>{l.size.toString()}</strong> 条记录，县里已签名。
            </p>
            <p class="ledger-fingerprint">
              指纹 <strong>{fingerprint(l.root)}</strong>
            </p>
            <p>
              {signed && signed.length > 0
                ? `见证人已签字：${signed.join('、')}。`
                : '见证人还没有在这一版上签字。'}
            </p>
            <p class="ledger-hint">
              每一笔积分都记在这本账上，只能往后添，不能改。小票和凭证上写着当时的记录数和指纹：记录数一样时，指纹也一定一样。在自家积分页面点“凭证”，手机会替您核对。
            </p>
          </div>
          <QrCode text={l.note} label="账本签名的二维码" />
        </div>
      )}
    </section>
  );
}

export function BoardPage(props: { session: Session; onSignOut: (problem?: string) => void }) {
  const clients = useRef(clientsFor(props.session)).current;
  const [board, setBoard] = useState<GetBoardResponse | null>(null);
  const [ledger, setLedger] = useState<LedgerCheckpoint | null>(null);
  const [village, setVillage] = useState('');
  const [online, setOnline] = useState(true);
  const [fatal, setFatal] = useState('');
  const [updated, setUpdated] = useState(0);
  const now = useNow(1000);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const [b, v, cp] = await Promise.all([
          clients.board.getBoard({ village: props.session.village }),
          village ? null : clients.villages.listVillages({}),
          // None before the first checkpoint: the board shows the rest meanwhile.
          clients.receipts.getCheckpoint({}).then(ledgerCheckpoint, () => null),
        ]);
        if (stopped) return;
        if (cp) setLedger(cp);
        if (v) setVillage(v.villages.find((x) => x.village === props.session.village)?.name ?? '');
        setBoard(b);
        setOnline(true);
        setUpdated(Date.now());
      } catch (error) {
        const p = explain(error);
        if (p.fatal) return setFatal(p.text);
        setOnline(false);
      }
      if (!stopped) timer = setTimeout(load, kPollMs);
    };
    const down = () => setOnline(false);
    const up = () => {
      clearTimeout(timer);
      void load();
    };
    window.addEventListener('offline', down);
    window.addEventListener('online', up);
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('offline', down);
      window.removeEventListener('online', up);
    };
  }, []);

  if (fatal) {
    return (
      <main>
        <Banner kind="problem">{fatal}</Banner>
        <button type="button" class="primary" onClick={() => props.onSignOut(fatal)}>
          重新登录
        </button>
      </main>
    );
  }
  return (
    <>
      <header class="top board-top">
        <h1>{village} 积分公示栏</h1>
        <p class="clock no-print">
          {fullDate(now)} {clock(now).slice(0, 5)}
        </p>
        <div class="top-actions no-print">
          <button type="button" onClick={() => window.print()}>
            打印
          </button>
          <button type="button" class="quiet" onClick={() => props.onSignOut()}>
            退出
          </button>
        </div>
      </header>
      <p class="print-only">
        {village} 积分公示 · {monthName(now)} · 打印于 {fullDate(now)} {clock(now).slice(0, 5)}
      </p>
      <main class="board">
        {!online && (
          <Banner kind="offline">网络断开了，正在重新连接……下面是 {clock(updated)} 的内容。</Banner>
        )}
        {!board ? (
          <p>正在读取公示内容……</p>
        ) : (
          <>
            <OnNotice board={board} now={now} />
            <Ranking board={board} />
            <Posted board={board} />
            <Fund board={board} />
            <Rated board={board} />
            <Ledger ledger={ledger} />
          </>
        )}
        {updated > 0 && <p class="updated no-print">每几秒自动更新 · 最后更新 {clock(updated)}</p>}
      </main>
      <Help />
    </>
  );
}
