// Checking a receipt with no server (issue 20): c2sp.org/tlog-proof@v1 receipts, C2SP signed
// notes and tlog-checkpoints signed with Ed25519, tlog-cosignature/v1 witness lines, and the
// RFC 9162 inclusion proof (section 2.1.3.2). Written from the specifications; SHA-256 and
// Ed25519 come from @noble (WebCrypto needs HTTPS, which a village's LAN may not have).
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

// A verifier key's type byte (c2sp.org/signed-note): a log's Ed25519 signature, a witness's
// cosignature/v1.
const kTypeEd25519 = 0x01;
const kTypeCosignature = 0x04;
const kHashBytes = 32;
const kKeyBytes = 32;
const kSignatureBytes = 64;
// A proof longer than this is for a tree of more than 2^64 leaves: not a real one.
const kMaxProofHashes = 64;

export type Bytes = Uint8Array;

export interface VerifierKey {
  name: string;
  id: number;
  type: number;
  key: Bytes;
  text: string;
}

export interface Receipt {
  extra: Bytes;
  index: bigint;
  proof: Bytes[];
  // The signed checkpoint, verbatim, with its signature lines.
  checkpoint: string;
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Bytes;
  // The note's text: the part the signatures are over.
  body: string;
  signatures: { name: string; bytes: Bytes }[];
}

// A check's outcome: ok, or why not in words a villager reads.
export type Result<T> = { ok: true; value: T } | { ok: false; why: string };
const fail = (why: string): { ok: false; why: string } => ({ ok: false, why });

const utf8 = new TextEncoder();

export function toHex(b: Bytes): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Bytes | null {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function fromBase64(text: string): Bytes | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Bytes, b: Bytes): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// RFC 9162 section 2.1.1: a leaf's and a node's hash.
export const leafHash = (entry: Bytes): Bytes => sha256(concat(Uint8Array.of(0), entry));
export const nodeHash = (l: Bytes, r: Bytes): Bytes => sha256(concat(Uint8Array.of(1), l, r));

// RFC 9162 section 2.1.3.2: the root an inclusion proof gives for leaf `index` of a tree of
// `size` leaves, or null when the proof does not fit the tree's shape.
export function rootFromInclusion(
  index: bigint,
  size: bigint,
  leaf: Bytes,
  proof: Bytes[],
): Bytes | null {
  if (index >= size || proof.length > kMaxProofHashes) return null;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== kHashBytes || sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

// RFC 9162 section 2.1.4.2: whether `proof` shows the tree of `oldSize` leaves (root `oldRoot`)
// to be the first leaves of the tree of `size` (root `root`): nothing the older one held was
// changed or taken out since. The household's page checks its receipts' checkpoint against the
// board's with it.
export function verifyConsistency(
  oldSize: bigint,
  size: bigint,
  oldRoot: Bytes,
  root: Bytes,
  proof: Bytes[],
): boolean {
  if (oldSize === size) return proof.length === 0 && equal(oldRoot, root);
  if (oldSize === 0n || oldSize > size || proof.length === 0) return false;
  if (proof.length > kMaxProofHashes || proof.some((p) => p.length !== kHashBytes)) return false;
  // An old tree whose size is a power of two is itself a node of the new one: its root starts.
  const path = (oldSize & (oldSize - 1n)) === 0n ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1n;
  let sn = size - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, oldRoot) && equal(sr, root);
}

// A verifier key: "<name>+<8 hex key id>+<base64(type || public key)>" (c2sp.org/signed-note);
// the key id is the first 4 bytes of SHA-256(name || "\n" || type || key).
export function parseVerifierKey(text: string): Result<VerifierKey> {
  const t = text.trim();
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(t);
  if (!m) return fail('公钥的格式不对：应当是“名字+8位编号+一串字母”，请整段复制。');
  const raw = fromBase64(m[3]);
  if (!raw || raw.length !== 1 + kKeyBytes) return fail('公钥的最后一段不完整，请整段复制。');
  const id = parseInt(m[2], 16);
  if (keyId(m[1], raw) !== id) return fail('公钥的编号和它本身对不上，可能抄错了。');
  return { ok: true, value: { name: m[1], id, type: raw[0], key: raw.slice(1), text: t } };
}

function keyId(name: string, typeAndKey: Bytes): number {
  const h = sha256(concat(utf8.encode(name), Uint8Array.of(0x0a), typeAndKey));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

// A signed note: its text, an empty line, then lines "— <name> <base64(key id || signature)>".
export function parseCheckpoint(note: string): Result<Checkpoint> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return fail('账本的签名页不完整（缺少签名行）。');
  const body = note.slice(0, split + 1);
  const signatures = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const bytes = m && fromBase64(m[2]);
    if (!m || !bytes || bytes.length < 4) return fail('账本的签名行看不懂，可能抄错了。');
    signatures.push({ name: m[1], bytes });
  }
  const lines = body.split('\n');
  const root = fromBase64(lines[2] ?? '');
  if (lines.length < 4 || !/^[0-9]{1,20}$/.test(lines[1]) || !root || root.length !== kHashBytes)
    return fail('账本的签名页格式不对（记录数或指纹看不懂）。');
  return { ok: true, value: { origin: lines[0], size: BigInt(lines[1]), root, body, signatures } };
}

// A receipt: "c2sp.org/tlog-proof@v1", optionally "extra <base64>", "index <n>", the proof's
// hashes one a line in base64, an empty line, then the signed checkpoint.
export function parseReceipt(text: string): Result<Receipt> {
  const t = text.replace(/\r\n/g, '\n').replace(/^\s+/, '');
  const lines = t.split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1')
    return fail('这不是一张凭证（开头应当是 c2sp.org/tlog-proof@v1）。');
  let at = 1;
  let extra: Bytes = new Uint8Array(0);
  if (lines[at]?.startsWith('extra ')) {
    const e = fromBase64(lines[at].slice(6));
    if (!e) return fail('凭证里的记录内容看不懂，可能抄错了。');
    extra = e;
    at++;
  }
  const m = /^index ([0-9]{1,20})$/.exec(lines[at] ?? '');
  if (!m) return fail('凭证里缺少记录编号（index 一行）。');
  at++;
  const proof: Bytes[] = [];
  for (; at < lines.length && lines[at] !== ''; at++) {
    const h = fromBase64(lines[at]);
    if (!h || h.length !== kHashBytes) return fail('凭证里的证明有一行看不懂，可能抄错了。');
    proof.push(h);
  }
  if (at >= lines.length) return fail('凭证不完整：后面缺少账本的签名页。');
  let checkpoint = lines.slice(at + 1).join('\n');
  if (!checkpoint.endsWith('\n')) checkpoint += '\n';
  return { ok: true, value: { extra, index: BigInt(m[1]), proof, checkpoint } };
}

// The log's signature over the checkpoint's text (Ed25519, RFC 8032 strict).
function verifySignature(key: VerifierKey, cp: Checkpoint): boolean {
  return cp.signatures.some(
    (s) => s.name === key.name && verifyNoteSignature(key, cp.body, s.bytes),
  );
}

// One signature line's bytes (key id || Ed25519 signature) over a note's text.
export function verifyNoteSignature(key: VerifierKey, body: string, bytes: Bytes): boolean {
  if (bytes.length !== 4 + kSignatureBytes) return false;
  const id = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  return id === key.id && verifyEd25519(bytes.slice(4), utf8.encode(body), key.key);
}

function verifyEd25519(sig: Bytes, message: Bytes, key: Bytes): boolean {
  try {
    return ed25519.verify(sig, message, key, { zip215: false });
  } catch {
    return false;
  }
}

export interface Cosigner {
  name: string;
  // Seconds since 1970, as the witness signed it.
  time: bigint;
  // Checked against a witness key the reader gave; false: present, but no key to check it.
  checked: boolean;
}

// tlog-cosignature/v1: "— <name> <base64(key id || 8-byte time || signature)>" over
// "cosignature/v1\ntime <time>\n" followed by the checkpoint's text.
export function checkCosignatures(
  cp: Checkpoint,
  logName: string,
  witnessKeys: VerifierKey[],
): Result<Cosigner[]> {
  const out: Cosigner[] = [];
  for (const s of cp.signatures) {
    if (s.name === logName || s.bytes.length !== 4 + 8 + kSignatureBytes) continue;
    let time = 0n;
    for (let i = 4; i < 12; i++) time = (time << 8n) | BigInt(s.bytes[i]);
    const id = ((s.bytes[0] << 24) | (s.bytes[1] << 16) | (s.bytes[2] << 8) | s.bytes[3]) >>> 0;
    const key = witnessKeys.find((k) => k.name === s.name && k.id === id);
    if (key) {
      if (key.type !== kTypeCosignature) return fail(`见证人 ${s.name} 的公钥类型不对。`);
      const msg = utf8.encode(`cosignature/v1\ntime ${time}\n${cp.body}`);
      if (!verifyEd25519(s.bytes.slice(12), msg, key.key))
        return fail(`见证人 ${s.name} 的签名对不上：账本可能被改过。`);
    }
    out.push({ name: s.name, time, checked: !!key });
  }
  for (const k of witnessKeys) {
    if (!out.some((c) => c.checked && c.name === k.name))
      return fail(`没有见证人 ${k.name} 的签名。`);
  }
  return { ok: true, value: out };
}

export interface Verified {
  index: bigint;
  size: bigint;
  root: Bytes;
  origin: string;
  record: Bytes;
  cosigners: Cosigner[];
}

// Everything a receipt claims, against the county's key (and any witnesses' keys): the
// checkpoint's signature, the cosignatures, and that the record (its `extra`, or `leaf` when
// the receipt carries none) is in the tree the checkpoint signs.
export function verifyReceipt(
  text: string,
  logKeyText: string,
  witnessKeyTexts: string[] = [],
  leaf?: Bytes,
): Result<Verified> {
  const key = parseVerifierKey(logKeyText);
  if (!key.ok) return key;
  if (key.value.type !== kTypeEd25519) return fail('这个公钥不是账本的签名公钥。');
  const witnesses: VerifierKey[] = [];
  for (const w of witnessKeyTexts.filter((x) => x.trim())) {
    const k = parseVerifierKey(w);
    if (!k.ok) return fail(`见证人的公钥：${k.why}`);
    witnesses.push(k.value);
  }
  const r = parseReceipt(text);
  if (!r.ok) return r;
  const cp = parseCheckpoint(r.value.checkpoint);
  if (!cp.ok) return cp;
  if (cp.value.origin !== key.value.name)
    return fail(`这张凭证是“${cp.value.origin}”的账本，不是这个公钥“${key.value.name}”的。`);
  if (!verifySignature(key.value, cp.value))
    return fail('账本的签名对不上：这张凭证被改过，或者公钥不是这个账本的。');
  const cos = checkCosignatures(cp.value, key.value.name, witnesses);
  if (!cos.ok) return cos;
  let leafH = leaf;
  if (!leafH) {
    if (r.value.extra.length === 0) return fail('凭证里没有记录内容，无法核对这条记录。');
    leafH = leafHash(r.value.extra);
  }
  const root = rootFromInclusion(r.value.index, cp.value.size, leafH, r.value.proof);
  if (!root || !equal(root, cp.value.root))
    return fail('这条记录的证明对不上账本：凭证被改过，或者记录不在这本账里。');
  return {
    ok: true,
    value: {
      index: r.value.index,
      size: cp.value.size,
      root: cp.value.root,
      origin: cp.value.origin,
      record: r.value.extra,
      cosigners: cos.value,
    },
  };
}

// The checkpoint's signature alone (the board shows a checkpoint, not a receipt).
export function verifyCheckpoint(note: string, logKeyText: string): Result<Checkpoint> {
  const key = parseVerifierKey(logKeyText);
  if (!key.ok) return key;
  const cp = parseCheckpoint(note);
  if (!cp.ok) return cp;
  if (!verifySignature(key.value, cp.value)) return fail('账本的签名对不上。');
  return cp;
}

// The root's first 16 hex digits: what a villager compares with the board's.
export const fingerprint = (root: Bytes): string => toHex(root).slice(0, 16);
