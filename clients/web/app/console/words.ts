// What the console says about awards in words a committee member reads: states, refusals
// (the server's own are English, for operators), categories.
import { AwardState, Category } from '../../src/index.js';

export function stateWords(state: AwardState): string {
  switch (state) {
    case AwardState.AWAITING_REVIEW:
      return '等待另一位村委审核';
    case AwardState.APPROVING:
    case AwardState.ON_NOTICE:
      return '已公示';
    case AwardState.HELD:
      return '有异议，等待村委会决定';
    case AwardState.POSTED:
      return '已入账';
    case AwardState.VOIDED:
      return '已作废';
    case AwardState.REFUSED:
      return '未能记分';
    default:
      return '情况不明';
  }
}

const kWindow: Record<string, string> = { day: '每天', month: '每月', year: '每年' };

// The ledger's refusal (award_book.cc RefusalOf) in words.
export function refusalWords(refusal: string): string {
  const cap = /cap per (day|month|year) \((\d+) points\)/.exec(refusal);
  if (cap) return `超过了这一项${kWindow[cap[1]]}最多${cap[2]}分的上限`;
  if (refusal.includes('budget')) return '本月的积分额度已经用完';
  if (refusal.includes('deduction is larger')) return '扣分超过了这户现有的积分';
  return '村里的账上没能记上这一笔';
}

// A line the server did not take (RecordAwardsResponse.Result.error_code, a google.rpc.Code).
export function lineErrorWords(code: number): string {
  switch (code) {
    case 7:
      return '这户不在你负责的网格里';
    case 5:
      return '村里没有这一户或这一项规则';
    case 6:
      return '这一行以前提交过，内容不同，没有再记';
    case 9:
      return '这户或这项规则现在不能记分（可能已注销或停用）';
    default:
      return '这一行填写有误，没有记上';
  }
}

export function categoryWords(c: Category): string {
  switch (c) {
    case Category.HYGIENE:
      return '环境卫生';
    case Category.VOLUNTEERING:
      return '志愿服务';
    case Category.VILLAGE_AGREEMENT:
      return '村规民约';
    case Category.MODEL_AWARD:
      return '评先评优';
    case Category.TASK:
      return '认领任务';
    case Category.DEDUCTION:
      return '扣分';
    default:
      return '其他';
  }
}
