// The household's offline payment codes (OFFLINE.md): its app keeps the offline key the server
// gives with every payment code, and when the server cannot be reached makes a one-time code
// with it, PO1-<village>-<household>-<issued ns hex>-<mac>, the mac the first 64 bits of
// HMAC-SHA256(key, the text before it). The shop's terminal cannot make these (it has no key);
// the server checks each when the terminal's basket arrives, and takes each once.
import { hex } from './format.js';
import type { Session } from './session.js';

const keyOf = (s: Session) => `points.offline-key.${s.village}.${s.household}`;

export function keepOfflineKey(session: Session, key: Uint8Array): void {
  if (key.length) localStorage.setItem(keyOf(session), hex(key));
}

export function hasOfflineKey(session: Session): boolean {
  return /^[0-9a-f]{64}$/.test(localStorage.getItem(keyOf(session)) ?? '');
}

// A new offline code, or '' when this phone has no key yet (or no WebCrypto: not HTTPS).
export async function makeOfflineCode(session: Session, nowMs = Date.now()): Promise<string> {
  const stored = localStorage.getItem(keyOf(session)) ?? '';
  if (!/^[0-9a-f]{64}$/.test(stored) || !crypto.subtle) return '';
  const raw = Uint8Array.from(stored.match(/../g)!.map((b) => parseInt(b, 16)));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const issued = BigInt(nowMs) * 1_000_000n;
  const text = `PO1-${session.village}-${session.household}-${issued.toString(16)}`;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
  return `${text}-${hex(mac.slice(0, 8))}`;
}
