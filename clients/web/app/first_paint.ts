// The household page's first paint (server/http/first_paint.h): when this device's session
// cookie came with the request for the page, pointsd answered with the balance already in the
// HTML and its answers (GetCaller, GetHousehold) as JSON in #first-paint-state. The page takes
// them as its initial state, so it shows the same balance at once, without a flash or waiting
// for a read, then loads everything and goes live as usual.
import {
  fromJson,
  GetCallerResponseSchema,
  GetHouseholdResponseSchema,
  type GetHouseholdResponse,
} from '../src/index.js';
import type { Session } from './session.js';

// The answers, when they are this session's household's; taken once (out of the page, which the
// app then renders over).
export function takeFirstPaint(session: Session | null): GetHouseholdResponse | null {
  const element = document.getElementById('first-paint-state');
  const text = element?.textContent;
  element?.remove();
  if (!text || !session) return null;
  try {
    const state = JSON.parse(text);
    const caller = fromJson(GetCallerResponseSchema, state.caller ?? {});
    const household = fromJson(GetHouseholdResponseSchema, state.household ?? {});
    const p = caller.principal;
    if (p?.village !== session.village || p.household !== BigInt(session.household)) return null;
    return household;
  } catch {
    return null; // a damaged state is no state: the page reads as without one
  }
}
