// The households a console user may score, with their names: the committee reads the village's
// list with full names (ListHouseholds, reveal); a grid worker its own grid's, names masked as
// the server gives them (张*明: full names are for the committee and the auditor,
// server/AUTHZ.md).
import type { Household } from '../../src/index.js';
import type { Clients } from '../api.js';
import type { ConsoleSession } from './session.js';

export function householdName(h: Household): string {
  const head = h.members.find((m) => m.head) ?? h.members[0];
  return [h.name, head?.name].filter(Boolean).join(' ') || `${h.household}号户`;
}

export async function loadHouseholds(c: Clients, s: ConsoleSession): Promise<Household[]> {
  const committee = s.role === 'committee';
  const { households } = await c.villages.listHouseholds({ village: s.village, reveal: committee });
  return households.filter((h) => !h.closed && (committee || h.grid === s.grid));
}
