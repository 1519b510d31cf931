// The operator audit (操作记录, AdminService.ListAudit) for the supervision committee's auditor:
// every administrative act with who did it and when, newest first, in words (the journal's own
// act names and details are English, for operators; ids are left out). The journal is
// hash-chained; `pointsd verify` checks the chain.
import { useEffect, useState } from 'preact/hooks';

import type { AuditEntry } from '../../src/index.js';
import { explain, type Clients } from '../api.js';
import { dateTime, yuan } from '../format.js';
import { Banner } from '../shell.js';
import type { ConsoleSession } from './session.js';

// ListAudit's page (its largest), the pages read at most, and the entries shown at a time.
const kPage = 1000;
const kPagesMax = 20;
const kShown = 100;

const kActs: Record<string, string> = {
  'principal.create': '新建登录账号',
  'principal.revoke': '停用登录账号',
  'town.put': '设置乡镇',
  'village.put': '设置村',
  'village.create': '新建村',
  'grid.put': '设置网格',
  'household.create': '新建农户',
  'household.put': '登记或修改农户',
  'household.close': '注销农户',
  'budget.set': '设定积分额度',
  'expiry.set': '设定积分有效期',
  'rule.put': '修改积分规则',
  'award.approve': '审核通过一笔积分',
  'award.decide': '对异议作出决定',
  'points.write': '直接记账',
  'shop.create': '新建商店',
  'item.put': '上架或修改商品',
  'shop.settle': '商店结算',
  'shop.terms': '设定商户让利',
  'shop.offline_limits': '设定没网时的收银限额',
  'card.issue': '发放积分卡',
  'task.post': '发布任务',
  'task.verify': '核实任务',
  'partner.put': '登记共建单位',
  'campaign.open': '发起募捐',
  'fund.donation': '登记捐赠',
  'proposal.accept': '受理村民提议',
  'proposal.decline': '不受理村民提议',
  'proposal.decide': '对提议作出决定',
  'project.complete': '项目完工',
  'project.approve_payout': '审核项目付款',
  'project.decide_payout': '对项目付款异议作出决定',
  'project.cancel': '取消项目',
  'rating_round.open': '发起满意度评议',
  'follow_up.resolve': '处理评议意见',
};

const kRoles: Record<string, string> = {
  admin: '管理员',
  committee: '村委',
  'grid-worker': '网格员',
  shopkeeper: '商店',
  household: '农户',
  auditor: '监督委员会',
  pointsd: '系统',
};

const kCjk = /[\u4e00-\u9fff]/;

// The journal's detail in words, for the acts whose detail names numbers; otherwise only its
// Chinese part (a task's title, a rule's name), never its ids.
export function detailWords(act: string, detail: string): string {
  let m: RegExpExecArray | null;
  if (act === 'shop.settle' && (m = /^shop (\d+) .* at (\d+) fen per point/.exec(detail)))
    return `${m[1]}号商店，每分${yuan(BigInt(m[2]))}`;
  if (act === 'task.post' && (m = /^task (\d+): (.*)$/.exec(detail)))
    return `${m[1]}号任务：${m[2]}`;
  if (act === 'rule.put' && (m = /^rule (\d+) version (\d+): (.*)$/.exec(detail)))
    return `第${m[1]}条规则第${m[2]}版：${m[3].replace(/\s*\([^)]*\)\s*$/, '')}`;
  if (act.startsWith('household.') && (m = /^household (\d+)(?: grid (\d+))?/.exec(detail)))
    return `${m[1]}号户${m[2] && m[2] !== '0' ? `，第${m[2]}网格` : ''}`;
  if (act.startsWith('principal.') && (m = /^(\S+) (\S+)/.exec(detail)))
    return `${kRoles[m[1]] ?? ''} ${m[2]}`.trim();
  if (
    act === 'item.put' &&
    (m = /^shop (\d+) item \d+: (.*), (\d+) points, (\d+) fen$/.exec(detail))
  )
    return `${m[1]}号商店「${m[2].replace(/\s*\([^)]*\)\s*$/, '')}」${m[3]}分`;
  if (act === 'task.verify' && (m = /^task (\d+) claimant (\d+)/.exec(detail)))
    return `${m[1]}号任务，${m[2]}号`;
  if (act === 'award.decide') return / kept$/.test(detail) ? '维持' : '作废';
  const colon = detail.indexOf(': ');
  const rest = colon >= 0 ? detail.slice(colon + 2) : '';
  return kCjk.test(rest) ? rest.replace(/\s*\([^)]*\)\s*$/, '') : '';
}

async function loadAudit(c: Clients, s: ConsoleSession): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  let from = 1n;
  for (let page = 0; page < kPagesMax; page++) {
    const { entries } = await c.admin.listAudit({
      fromSeq: from,
      limit: kPage,
      village: s.village,
    });
    all.push(...entries);
    if (entries.length < kPage) break;
    from = entries[entries.length - 1].seq + 1n;
  }
  return all.reverse();
}

export function Audit(props: { clients: Clients; session: ConsoleSession }) {
  const { clients: c, session: s } = props;
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [shown, setShown] = useState(kShown);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    loadAudit(c, s).then(setEntries, (e) => setProblem(explain(e).text));
  }, []);
  if (!entries) return <p>{problem || '正在读取操作记录……'}</p>;
  return (
    <section class="card" aria-labelledby="audit-title">
      <h2 id="audit-title">
        操作记录 <small>共{entries.length}条，最新的在前</small>
      </h2>
      {problem && <Banner kind="problem">{problem}</Banner>}
      <p class="how">
        村委、管理员办的每一件事都记在这里：谁办的、什么时候办的。每一条都和前一条连在一起，事后改动或删掉都能查出来。
      </p>
      <table class="passbook audit">
        <thead>
          <tr>
            <th scope="col">时间</th>
            <th scope="col">谁</th>
            <th scope="col">做了什么</th>
          </tr>
        </thead>
        <tbody>
          {entries.slice(0, shown).map((e) => (
            <tr key={String(e.seq)} data-testid="audit-entry">
              <td class="c-when">{dateTime(e.at)}</td>
              <td>
                {kRoles[e.role] ?? ''} {e.principal}
              </td>
              <td>
                {kActs[e.act] ?? '其他操作'}
                {detailWords(e.act, e.detail) && `：${detailWords(e.act, e.detail)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length > shown && (
        <div class="row">
          <button type="button" onClick={() => setShown(shown + kShown)}>
            再显示{Math.min(kShown, entries.length - shown)}条
          </button>
        </div>
      )}
    </section>
  );
}
