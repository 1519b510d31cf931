// The households a console user may score, with their names: the committee reads the village's
// list with full names (ListHouseholds, reveal). A grid worker's list is its grid's, names masked
// (reveal is for the committee and the auditor, server/AUTHZ.md); it reads each of its own
// households' details (GetHousehold, which a grid worker may) for the names it knows them by.
import type { Household } from '../../src/index.js';
import type { Clients } from '../api.js';
import type { ConsoleSession } from './session.js';

// Households read at once for a grid worker's names.
const kDetailBatch = 20;

export function householdName(h: Household): string {
  const head = h.members.find((m) => m.head) ?? h.members[0];
  return [h.name, head?.name].filter(Boolean).join(' ') || `${h.household}号户`;
}

export async function loadHouseholds(c: Clients, s: ConsoleSession): Promise<Household[]> {
  const committee = s.role === 'committee';
  const { households } = await c.villages.listHouseholds({ village: s.village, reveal: committee });
  const open = households.filter((h) => !h.closed && (committee || h.grid === s.grid));
  if (committee) return open;
  const full: Household[] = [];
  for (let i = 0; i < open.length; i += kDetailBatch) {
    const batch = open.slice(i, i + kDetailBatch);
    const read = await Promise.all(
      batch.map((h) => c.villages.getHousehold({ village: s.village, household: h.household })),
    );
    full.push(...read.map((r, j) => r.household ?? batch[j]));
  }
  return full;
}
