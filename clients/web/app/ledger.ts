// The ledger's signed checkpoint (issue 20, server/receipts/README.md) as people read it: how
// many records the village's books hold, the fingerprint of their root in groups of four (the
// same 16 hex digits as app/verify/check.ts's `fingerprint`), and which witnesses cosigned it
// and when. Nothing here checks a signature: the checks (SHA-256 and Ed25519) live in
// app/verify/check.ts, which the household's page loads only when a receipt is opened.
import type { GetCheckpointResponse } from '../src/gen/points/v1/receipts_pb.js';
import { hex } from './format.js';

// A cosignature line's bytes: key id (4), time (8, big-endian seconds), Ed25519 signature (64).
const kCosignatureBytes = 4 + 8 + 64;
const kFingerprintBytes = 8;

export interface Witness {
  name: string;
  atMs: number; // when the witness signed, by its own clock
}

export interface LedgerCheckpoint {
  origin: string;
  size: bigint;
  root: Uint8Array;
  witnesses: Witness[];
  // The signed note with its cosignature lines, verbatim (the QR code holds it).
  note: string;
  publicKey: string;
}

// 3f2a 9c01 77be 0d4e
export function fingerprint(root: Uint8Array): string {
  return hex(root.slice(0, kFingerprintBytes)).replace(/(.{4})(?=.)/g, '$1 ');
}

function cosignatureTime(base64: string): number | null {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  if (bytes.length !== kCosignatureBytes) return null;
  let seconds = 0;
  for (let i = 4; i < 12; i++) seconds = seconds * 256 + bytes[i];
  return seconds * 1000;
}

export function ledgerCheckpoint(r: GetCheckpointResponse): LedgerCheckpoint {
  const note = r.checkpoint;
  const split = note.indexOf('\n\n');
  const origin = note.slice(0, note.indexOf('\n'));
  const witnesses: Witness[] = [];
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] === origin) continue;
    const atMs = cosignatureTime(m[2]);
    if (atMs !== null) witnesses.push({ name: m[1], atMs });
  }
  return { origin, size: r.size, root: r.root, witnesses, note, publicKey: r.publicKey };
}
