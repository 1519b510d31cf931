// Today's work (今日待办): awards waiting for a second person's review (not one's own), held
// awards whose objection the committee decides, completed tasks waiting to be verified, and
// awards whose notice ends within a day; each actionable in place. A grid worker reviews and
// decides nothing, so sees only what is on notice.
import { useEffect, useState } from 'preact/hooks';

import {
  AwardState,
  ClaimantKind,
  ClaimState,
  type Award,
  type Claim,
  type Task,
} from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { dateTime, nanosToMs, plainName, points, remaining } from '../format.js';
import { Banner, useNow } from '../shell.js';
import { householdName, loadHouseholds } from './households.js';
import type { ConsoleSession } from './session.js';
import { categoryWords } from './words.js';

// Awards whose notice ends within this are "ending soon".
const kSoonMs = 24 * 3600 * 1000;
const kPollMs = 10_000;
// Of the awards ending soon, the first this many are listed (a round puts dozens on notice).
const kEndingShown = 10;

export interface Work {
  review: Award[];
  held: Award[];
  ending: Award[];
  verify: { task: Task; claim: Claim }[];
}

export async function loadWork(c: Clients, s: ConsoleSession): Promise<Work> {
  const list = (state: AwardState) =>
    c.awards.listAwards({ village: s.village, state }).then((r) => r.awards);
  const committee = s.role === 'committee';
  const [review, held, onNotice, verify, households] = await Promise.all([
    committee ? list(AwardState.AWAITING_REVIEW) : Promise.resolve([]),
    committee ? list(AwardState.HELD) : Promise.resolve([]),
    list(AwardState.ON_NOTICE),
    committee ? loadClaims(c, s) : Promise.resolve([]),
    // Names make the lines easier to read; without them the numbers still say who.
    loadHouseholds(c, s).catch(() => []),
  ]);
  names = new Map(households.map((h) => [h.household, householdName(h)]));
  const soon = BigInt(Date.now() + kSoonMs) * 1_000_000n;
  return {
    review: review.filter((a) => a.recordedBy !== s.name),
    held,
    ending: onNotice
      .filter((a) => a.noticeEndsAt <= soon)
      .sort((a, b) => Number(a.noticeEndsAt - b.noticeEndsAt)),
    verify,
  };
}

async function loadClaims(c: Clients, s: ConsoleSession) {
  const { tasks } = await c.tasks.listTasks({ village: s.village });
  const waiting = tasks.filter((t) => t.completed > t.verified);
  const found = await Promise.all(
    waiting.map((t) => c.tasks.getTask({ village: s.village, task: t.task })),
  );
  return found.flatMap((r) =>
    r.claims
      .filter((claim) => claim.state === ClaimState.COMPLETED)
      .map((claim) => ({ task: r.task!, claim })),
  );
}

// Household names by number, for the lines (the committee's in full, a grid worker's masked).
let names = new Map<bigint, string>();

function who(a: Award): string {
  const name = names.get(a.household);
  return name ? `${a.household}号 ${name}` : `${a.household}号户`;
}

function AwardLine(props: { award: Award; children?: preact.ComponentChildren }) {
  const a = props.award;
  const deduction = a.rule?.category === 15;
  return (
    <li data-testid="work-award">
      <p class="what">
        <strong>{who(a)}</strong> · {plainName(a.rule?.name ?? '')} ·{' '}
        <span class={deduction ? 'pts out' : 'pts in'}>
          {deduction ? '−' : '+'}
          {points(a.points)}分
        </span>
      </p>
      <p class="how">
        {categoryWords(a.rule?.category ?? 0)} · {a.recordedBy} 记于 {dateTime(a.recordedAt)}
        {a.note ? ` · ${plainName(a.note)}` : ''}
      </p>
      {props.children}
    </li>
  );
}

export function WorkList(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [work, setWork] = useState<Work | null>(null);
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const reload = () =>
    loadWork(c, s).then(
      (w) => (setWork(w), setProblem('')),
      (e) => setProblem(explain(e).text),
    );
  useEffect(() => {
    reload();
    const timer = setInterval(reload, kPollMs);
    return () => clearInterval(timer);
  }, []);
  const act = async (what: () => Promise<unknown>, said: string, refused: string) => {
    try {
      await what();
      setDone(said);
      setProblem('');
    } catch (e) {
      setProblem(explain(e, refused).text);
    }
    await reload();
  };
  if (!work) return <p>{problem || '正在读取今日待办……'}</p>;
  return (
    <div class="work">
      {problem && <Banner kind="problem">{problem}</Banner>}
      {done && <Banner kind="done">{done}</Banner>}
      {s.role === 'committee' && <Review work={work} c={c} s={s} act={act} />}
      {s.role === 'committee' && <Held work={work} c={c} s={s} act={act} />}
      {s.role === 'committee' && <Verify work={work} c={c} s={s} act={act} />}
      <Ending work={work} />
    </div>
  );
}

type Act = (what: () => Promise<unknown>, said: string, refused: string) => Promise<void>;
interface PartProps {
  work: Work;
  c: Clients;
  s: ConsoleSession;
  act: Act;
}

function Review({ work, c, s, act }: PartProps) {
  return (
    <section class="card" aria-labelledby="review-title">
      <h2 id="review-title">
        等我审核 <small>{work.review.length}笔（自己录入的不在这里，要由别人审核）</small>
      </h2>
      {work.review.length === 0 && <p>没有要审核的。</p>}
      <ul class="notices">
        {work.review.map((a) => (
          <AwardLine award={a} key={a.awardId.join()}>
            <div class="row">
              <button
                type="button"
                class="primary"
                onClick={() =>
                  act(
                    () => c.awards.approveAward({ village: s.village, awardId: a.awardId }),
                    `${who(a)}的 ${points(a.points)} 分已审核通过，开始公示。`,
                    '没有审核成功：这笔可能已由别人处理，或是你自己录入的。',
                  )
                }
              >
                审核通过
              </button>
            </div>
          </AwardLine>
        ))}
      </ul>
    </section>
  );
}

function Held({ work, c, s, act }: PartProps) {
  const decide = (a: Award, keep: boolean) =>
    act(
      () => c.awards.decideAward({ village: s.village, awardId: a.awardId, keep }),
      keep ? `${who(a)}的这笔维持原样，公示期满后入账。` : `${who(a)}的这笔已作废。`,
      '没有办成：这笔可能已由别人决定。',
    );
  return (
    <section class="card" aria-labelledby="held-title">
      <h2 id="held-title">
        异议待决定 <small>{work.held.length}笔</small>
      </h2>
      {work.held.length === 0 && <p>没有异议。</p>}
      <ul class="notices">
        {work.held.map((a) => (
          <AwardLine award={a} key={a.awardId.join()}>
            <p class="flag">
              异议：{a.objection || '（未写理由）'}
              {a.objectedBy ? `（${objector(a.objectedBy)}提出）` : ''}
            </p>
            <div class="row">
              <button type="button" class="primary" onClick={() => decide(a, true)}>
                维持，照常入账
              </button>
              <button type="button" class="quiet" onClick={() => decide(a, false)}>
                作废这笔
              </button>
            </div>
          </AwardLine>
        ))}
      </ul>
    </section>
  );
}

function Verify({ work, c, s, act }: PartProps) {
  return (
    <section class="card" aria-labelledby="verify-title">
      <h2 id="verify-title">
        任务待核实 <small>{work.verify.length}项</small>
      </h2>
      {work.verify.length === 0 && <p>没有做完待核实的任务。</p>}
      <ul class="tasks">
        {work.verify.map(({ task, claim }) => (
          <li key={`${task.task}-${claim.claimant}`} data-testid="work-claim">
            <p class="what">
              <strong>{task.title}</strong> · {claimantWords(claim)} · +
              {points(task.pointsPerClaim)}分
            </p>
            <p class="how">
              完成情况：{claim.note || '（未写）'}
              {claim.evidence.length ? ` · 凭证 ${claim.evidence.length} 份` : ''}
            </p>
            <div class="row">
              <button
                type="button"
                class="primary"
                onClick={() =>
                  act(
                    () =>
                      c.tasks.verifyTask({
                        village: s.village,
                        task: task.task,
                        claimantKind: claim.claimantKind,
                        claimant: claim.claimant,
                      }),
                    `已核实「${task.title}」，积分按规定记上。`,
                    '没有核实成功：可能已由别人核实。',
                  )
                }
              >
                核实完成
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

// A household's app objects as household-N: said as the household.
function objector(principal: string): string {
  const household = /^household-(\d+)$/.exec(principal);
  return household ? `${household[1]}号户本户` : principal;
}

function claimantWords(claim: Claim): string {
  if (claim.claimantKind === ClaimantKind.HOUSEHOLD) return `${claim.claimant}号户`;
  if (claim.claimantKind === ClaimantKind.SHOP) return `${claim.claimant}号商户`;
  return `${claim.claimant}号组织`;
}

function Ending({ work }: { work: Work }) {
  const now = useNow(1000);
  return (
    <section class="card" aria-labelledby="ending-title">
      <h2 id="ending-title">
        公示快结束 <small>{work.ending.length}笔在一天内结束</small>
      </h2>
      {work.ending.length === 0 && <p>一天内没有结束公示的。</p>}
      <ul class="notices">
        {work.ending.slice(0, kEndingShown).map((a) => (
          <AwardLine award={a} key={a.awardId.join()}>
            <p class="how">
              公示到 {dateTime(a.noticeEndsAt)}（{remaining(nanosToMs(a.noticeEndsAt), now)}）
            </p>
          </AwardLine>
        ))}
      </ul>
      {work.ending.length > kEndingShown && (
        <p class="how">另有 {work.ending.length - kEndingShown} 笔，在公示栏上都能看到。</p>
      )}
    </section>
  );
}
