// The household's say in the village (community.proto): matters under deliberation with their
// vote (one per household: 赞成, 反对, 弃权), the results of votes that closed, and rating a
// finished matter by the code shown at the rating point (PR1:village:round), once.
import { useEffect, useState } from 'preact/hooks';

import {
  Code,
  ConnectError,
  ProposalState,
  VoteChoice,
  type Proposal,
  type RatingRound,
} from '../src/index.js';
import { explain, type Clients } from './api.js';
import { dateTime, nanosToMs, plainName, remaining, yuan } from './format.js';
import type { Session } from './session.js';
import { Banner } from './shell.js';

const kChoices = [
  { choice: VoteChoice.FOR, word: '赞成' },
  { choice: VoteChoice.AGAINST, word: '反对' },
  { choice: VoteChoice.ABSTAIN, word: '弃权' },
];
const kStars = [1, 2, 3, 4, 5];

function wordOf(choice: VoteChoice): string {
  return kChoices.find((c) => c.choice === choice)?.word ?? '';
}

// One matter under deliberation: its text, the window, and the household's vote.
function Matter(props: { proposal: Proposal; clients: Clients; session: Session; now: number }) {
  const p = props.proposal;
  const key = `points.voted.${props.session.village}.${p.number}`;
  const [voted, setVoted] = useState(() => localStorage.getItem(key) ?? '');
  const [problem, setProblem] = useState('');
  const [cast, setCast] = useState(0n); // this page's own vote, not yet in the list it read
  const vote = async (choice: VoteChoice) => {
    try {
      await props.clients.community.castVote({
        village: props.session.village,
        proposal: p.number,
        household: BigInt(props.session.household),
        choice,
      });
      localStorage.setItem(key, wordOf(choice));
      setVoted(wordOf(choice));
      setCast(1n);
    } catch (error) {
      if (ConnectError.from(error).code === Code.AlreadyExists) {
        localStorage.setItem(key, '已投');
        return setVoted('已投');
      }
      setProblem(explain(error, '这件事现在不能投票了。').text);
    }
  };
  const open = nanosToMs(p.voteEndsAt) > props.now;
  return (
    <li data-testid="matter">
      <p class="what">
        <strong>{plainName(p.title)}</strong>
        {p.costFen > 0n && <span>，要用微基金 {yuan(p.costFen)}</span>}
      </p>
      {p.description && <p class="note">{plainName(p.description)}</p>}
      <p class="when">
        投票到 {dateTime(p.voteEndsAt)}
        {open && <> · {remaining(nanosToMs(p.voteEndsAt), props.now)}</>}，已有{' '}
        {(p.votes + cast).toString()} 户投票
      </p>
      {voted ? (
        <p class="ok">
          {voted === '已投' ? '您家已经投过票了，谢谢！' : `您家投了“${voted}”，谢谢！`}
        </p>
      ) : (
        open && (
          <div class="actions" role="group" aria-label={`对“${plainName(p.title)}”投票`}>
            {kChoices.map((c) => (
              <button type="button" key={c.choice} onClick={() => void vote(c.choice)}>
                {c.word}
              </button>
            ))}
          </div>
        )
      )}
      {problem && <Banner kind="problem">{problem}</Banner>}
    </li>
  );
}

function Result(props: { proposal: Proposal }) {
  const p = props.proposal;
  return (
    <li>
      <p class="what">
        <strong>{plainName(p.title)}</strong>
      </p>
      <p>
        投票结果：赞成 {p.votesFor.toString()}，反对 {p.votesAgainst.toString()}，弃权{' '}
        {p.votesAbstain.toString()}
      </p>
    </li>
  );
}

// PR1:village:round, as the rating point's QR code carries it; the round's number, or 0.
function roundOf(code: string, village: number): number {
  const m = /^PR1:(\d+):(\d+)$/.exec(code.trim().toUpperCase());
  return m && Number(m[1]) === village ? Number(m[2]) : 0;
}

function RateByCode(props: { clients: Clients; session: Session }) {
  const [code, setCode] = useState('');
  const [round, setRound] = useState<RatingRound | null>(null);
  const [done, setDone] = useState('');
  const [problem, setProblem] = useState('');
  const find = async (event: Event) => {
    event.preventDefault();
    setProblem('');
    const number = roundOf(code, props.session.village);
    if (number === 0) return setProblem('评议码不对。请照着评议点上写的输入，像 PR1:1:2 这样。');
    try {
      const r = await props.clients.community.getRatingRound({
        village: props.session.village,
        round: number,
      });
      setRound(r.round ?? null);
    } catch (error) {
      if (ConnectError.from(error).code === Code.NotFound) {
        return setProblem('没有找到这个评议。请看看评议码输对了没有。');
      }
      setProblem(explain(error, '没有找到这个评议。').text);
    }
  };
  const rate = async (stars: number) => {
    if (!round) return;
    try {
      await props.clients.community.rateRound({
        village: props.session.village,
        round: round.round,
        household: BigInt(props.session.household),
        stars,
      });
      setDone(`您给“${plainName(round.title)}”打了 ${stars} 星，谢谢！`);
    } catch (error) {
      if (ConnectError.from(error).code === Code.AlreadyExists) {
        return setDone('您家已经评过这件事了，谢谢！');
      }
      setProblem(explain(error, '这件事现在不能评了。').text);
    }
  };
  if (done) return <p class="ok">{done}</p>;
  return (
    <>
      {!round ? (
        <form onSubmit={(e) => void find(e)}>
          <label for="round-code">评议点的评议码</label>
          <input
            id="round-code"
            value={code}
            autocomplete="off"
            onInput={(e) => setCode((e.target as HTMLInputElement).value)}
          />
          <button type="submit">去评议</button>
        </form>
      ) : (
        <>
          <p>
            给“<strong>{plainName(round.title)}</strong>”打分：
          </p>
          <div class="stars" role="group" aria-label="打几星">
            {kStars.map((n) => (
              <button type="button" key={n} onClick={() => void rate(n)} aria-label={`${n} 星`}>
                {'★'.repeat(n)}
              </button>
            ))}
          </div>
        </>
      )}
      {problem && <Banner kind="problem">{problem}</Banner>}
    </>
  );
}

export function Community(props: { clients: Clients; session: Session; now: number }) {
  const [proposals, setProposals] = useState<Proposal[] | null>(null);
  useEffect(() => {
    props.clients.community
      .listProposals({ village: props.session.village })
      .then((r) => setProposals(r.proposals))
      .catch(() => setProposals([]));
  }, []);
  const open = (proposals ?? []).filter(
    (p) => p.state === ProposalState.IN_DELIBERATION && !p.voteClosed,
  );
  const closed = (proposals ?? []).filter((p) => p.voteClosed).slice(-3);
  return (
    <section class="card no-print community" aria-labelledby="community-title">
      <h2 id="community-title">村里议事</h2>
      {proposals === null && <p>正在读取……</p>}
      {proposals !== null && open.length === 0 && <p>现在没有要投票的事。</p>}
      <ul class="board-list">
        {open.map((p) => (
          <Matter
            key={p.number}
            proposal={p}
            clients={props.clients}
            session={props.session}
            now={props.now}
          />
        ))}
      </ul>
      {closed.length > 0 && (
        <>
          <h3>投过票的事</h3>
          <ul class="board-list">
            {closed.map((p) => (
              <Result key={p.number} proposal={p} />
            ))}
          </ul>
        </>
      )}
      <h3>扫码评议</h3>
      <RateByCode clients={props.clients} session={props.session} />
    </section>
  );
}
