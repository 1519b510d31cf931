// The receipt verifier (clients/web/app/verify, issue 20): its checks in Node against the RFC
// 6962/9162 8-leaf vectors and the C2SP signed-note example, then the /verify page in a real
// chromium against a real `pointsd --demo`: a real receipt is accepted, one with a flipped bit
// in its proof, its root or its signature is refused, in plain Chinese.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  CHROMIUM,
  checkA11y,
  kChromiumArgs,
  POINTSD,
  readDemoTokens,
  SHOTS,
  shoot,
  WEB,
} from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

const requireWeb = createRequire(path.join(WEB, 'package.json'));
const { chromium } = requireWeb('playwright-core');
const { default: AxeBuilder } = requireWeb('@axe-core/playwright');
const esbuild = requireWeb('esbuild');
const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { ReceiptService } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'gen', 'points', 'v1', 'receipts_pb.js')).href
);
const { bearer, createClient, createPointsClients, Code, ConnectError } = points;

// check.ts as Node runs it: bundled with its @noble imports into a temporary module.
async function loadCheck() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-check-'));
  const file = path.join(dir, 'check.mjs');
  await esbuild.build({
    entryPoints: [path.join(WEB, 'app', 'verify', 'check.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: file,
    logLevel: 'warning',
  });
  return import(pathToFileURL(file).href);
}
const check = await loadCheck();
const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

// RFC 6962 section 2.1.3 / RFC 9162 test vectors (also in tests/server/receipts/tree_test.cc).
const kLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const kRoots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const kInclusion = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
// RFC 6962 / RFC 9162 consistency vectors (also in tests/server/receipts/tree_test.cc): from the
// tree of `first` leaves to the tree of `second`.
const kConsistency = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
// c2sp.org/signed-note's example.
const kExampleKey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const kExampleNote =
  'This is an example message.\n\n\u2014 example.com/foo ' +
  'Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

describe('the receipt checks (app/verify/check.ts)', () => {
  it('follow the RFC 9162 inclusion vectors and refuse a wrong leaf or hash', () => {
    const leaves = kLeaves.map((l) => check.leafHash(hex(l)));
    assert.equal(check.toHex(check.rootFromInclusion(0n, 1n, leaves[0], [])), kRoots[0]);
    for (const [index, size, path] of kInclusion) {
      const proof = path.map(hex);
      const root = check.rootFromInclusion(BigInt(index), BigInt(size), leaves[index], proof);
      assert.equal(check.toHex(root), kRoots[size - 1], `leaf ${index} of ${size}`);
      const other = check.rootFromInclusion(
        BigInt(index),
        BigInt(size),
        leaves[(index + 1) % 8],
        proof,
      );
      assert.notEqual(check.toHex(other), kRoots[size - 1]);
      const flipped = proof.map((p) => p.slice());
      flipped[0][0] ^= 1;
      const bad = check.rootFromInclusion(BigInt(index), BigInt(size), leaves[index], flipped);
      assert.notEqual(check.toHex(bad), kRoots[size - 1]);
      // A proof of the wrong length does not fit the tree's shape.
      assert.equal(
        check.rootFromInclusion(BigInt(index), BigInt(size), leaves[index], proof.slice(1)),
        null,
      );
    }
  });
  it('follow the RFC 9162 consistency vectors and refuse a flipped bit or the roots swapped', () => {
    for (const [first, second, path] of kConsistency) {
      const [a, b] = [BigInt(first), BigInt(second)];
      const proof = path.map(hex);
      const [r1, r2] = [hex(kRoots[first - 1]), hex(kRoots[second - 1])];
      assert.ok(check.verifyConsistency(a, b, r1, r2, proof), `${first} -> ${second}`);
      assert.equal(check.verifyConsistency(a, b, r2, r1, proof), false);
      for (let i = 0; i < proof.length; i++) {
        const flipped = proof.map((p) => p.slice());
        flipped[i][31] ^= 0x80;
        assert.equal(check.verifyConsistency(a, b, r1, r2, flipped), false, `hash ${i}`);
      }
      assert.equal(check.verifyConsistency(a, b, r1, r2, proof.slice(1)), false);
    }
    const root = hex(kRoots[7]);
    assert.ok(check.verifyConsistency(8n, 8n, root, root, []));
    assert.equal(check.verifyConsistency(8n, 8n, root, hex(kRoots[6]), []), false);
  });
  it('verify the C2SP signed-note example and refuse a wrong key id or text', () => {
    const key = check.parseVerifierKey(kExampleKey);
    assert.ok(key.ok, key.why);
    assert.equal(key.value.name, 'example.com/foo');
    assert.equal(key.value.id, 0x530d903a);
    assert.equal(check.parseVerifierKey(kExampleKey.replace('530d903a', '530d903b')).ok, false);
    // Not a checkpoint (no size and root), so the signature is checked through its parts.
    const body = 'This is an example message.\n';
    const sig = check.fromBase64(kExampleNote.split(' ').pop().trim());
    assert.equal(check.toHex(sig.slice(0, 4)), '530d903a');
    assert.ok(check.verifyNoteSignature(key.value, body, sig));
    assert.equal(check.verifyNoteSignature(key.value, body.replace('.', '!'), sig), false);
  });
});

describe('the verify page (/verify)', () => {
  let dataDir, server, browser, base, receipt, publicKey;
  const a11y = [];

  before(async () => {
    assert.ok(fs.existsSync(path.join(WEB, 'www', 'verify', 'index.html')), 'npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-verify-'));
    server = await startPointsd(POINTSD, dataDir, {
      flags: ['--web-root', path.join(WEB, 'www')],
    });
    base = `http://127.0.0.1:${server.httpPort}`;
    const tokens = readDemoTokens(dataDir);
    const transport = createConnectTransport({
      baseUrl: base,
      httpVersion: '1.1',
      interceptors: [bearer(tokens['household-2'])],
    });
    const api = createPointsClients(transport);
    const receipts = createClient(ReceiptService, transport);
    const { household } = await api.villages.getHousehold({ village: 1, household: 2n });
    const { transfers } = await api.ledger.getAccountHistory({
      accountId: household.accountId,
      limit: 10,
    });
    assert.ok(transfers.length > 0, 'the demo household has movements');
    // The demo's records are in the tree after its first checkpoint (every 2 s).
    for (let i = 0; ; i++) {
      try {
        const r = await receipts.proveTransfers({ transferIds: [transfers[0].id] });
        receipt = r.receipts[0].receipt;
        break;
      } catch (e) {
        if (ConnectError.from(e).code !== Code.NotFound || i > 50) throw e;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    publicKey = (await receipts.getCheckpoint({})).publicKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: kChromiumArgs });
  });
  after(async () => {
    await browser?.close();
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    console.log('axe:', JSON.stringify(a11y));
  });

  // The receipt with one bit of line `pick(lines)`'s base64 flipped.
  function flipped(pick) {
    const lines = receipt.split('\n');
    const at = pick(lines);
    const bytes = Buffer.from(lines[at].split(' ').pop(), 'base64');
    bytes[bytes.length - 1] ^= 1;
    const prefix = lines[at].includes(' ')
      ? lines[at].slice(0, lines[at].lastIndexOf(' ') + 1)
      : '';
    lines[at] = prefix + bytes.toString('base64');
    return lines.join('\n');
  }

  async function verify(page, text) {
    await page.fill('#receipt', text);
    await page.getByRole('button', { name: '核对' }).click();
    return page.locator('.verify-result').innerText();
  }

  it('accepts a real receipt and refuses one with a flipped bit', async () => {
    assert.ok(check.verifyReceipt(receipt, publicKey).ok, 'check.ts accepts it in Node');
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/verify?key=${encodeURIComponent(publicKey)}`);
    await page.locator('#receipt').waitFor();
    await checkA11y(AxeBuilder, page, 'verify: empty', a11y);
    const good = await verify(page, receipt);
    assert.match(good, /这条记录在村里的账本里，账本没有被改过/);
    assert.match(good, /账本指纹：([0-9a-f]{4} ){3}[0-9a-f]{4}（/);
    await checkA11y(AxeBuilder, page, 'verify: accepted', a11y);
    await shoot(
      page,
      [
        [360, 740],
        [1280, 800],
      ],
      (w, h) => path.join(SHOTS, `verify-accepted-${w}x${h}.png`),
    );
    const lines = receipt.split('\n');
    const firstProof = lines.findIndex((l) => l.startsWith('index ')) + 1;
    assert.ok(lines[firstProof] !== '', 'the receipt has a proof');
    const proofBad = await verify(
      page,
      flipped(() => firstProof),
    );
    assert.match(proofBad, /没有通过核对[\s\S]*证明对不上/);
    // The root: the checkpoint's third line, after the empty line that ends the proof.
    const cpStart = lines.indexOf('', firstProof) + 1;
    const rootBad = await verify(
      page,
      flipped(() => cpStart + 2),
    );
    assert.match(rootBad, /没有通过核对[\s\S]*签名对不上/);
    const sigLine = lines.findIndex((l, i) => i > cpStart && l.startsWith('\u2014 '));
    const sigBad = await verify(
      page,
      flipped(() => sigLine),
    );
    assert.match(sigBad, /没有通过核对[\s\S]*签名对不上/);
    await checkA11y(AxeBuilder, page, 'verify: refused', a11y);
    await shoot(
      page,
      [
        [360, 740],
        [1280, 800],
      ],
      (w, h) => path.join(SHOTS, `verify-refused-${w}x${h}.png`),
    );
    // A key that is not the county's.
    await page.fill('#key', kExampleKey);
    const wrongKey = await verify(page, receipt);
    assert.match(wrongKey, /没有通过核对/);
    await context.close();
  });
});
