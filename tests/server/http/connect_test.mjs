// pointsd over the Connect protocol from Node, with the TypeScript client generated from
// proto/ (clients/web, `npm run build`): a call of every service; every unary RPC answered the
// same over Connect (JSON, binary, GET for reads) as over gRPC, walked from the descriptors;
// a WatchAccounts stream that resumes after a reconnect and after a restart; curl as the
// README shows it.
//
//   node --test tests/server/http/connect_test.mjs        (pointsd from $POINTSD)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startPointsd as start, stopPointsd } from '../../testing/pointsd.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const POINTSD = process.env.POINTSD || path.join(REPO, 'build', 'server', 'pointsd');
const startPointsd = (dataDir, options) => start(POINTSD, dataDir, options);
const DIST = path.join(REPO, 'clients', 'web', 'dist');
const points = await import(pathToFileURL(path.join(DIST, 'index.js')).href);
const { createConnectTransport, createGrpcTransport } = await import(
  pathToFileURL(path.join(DIST, 'node.js')).href
);
const { Code, ConnectError, createClient, bearer, toBinary, create } = points;

// Starts pointsd --demo; resolves with its ports once its first line says where it listens.
// A demo ledger account's 16-byte big-endian id.
function id(n) {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setBigUint64(8, BigInt(n));
  return bytes;
}

const MONTH = Number(
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(new Date())
    .replace('-', ''),
);

// Requests for the RPCs walked below (fields by their JSON names); others are sent empty,
// which the server refuses alike over both protocols.
const SAMPLES = {
  LookupAccounts: { ids: [id(101), id(102), id(999)] },
  LookupTransfers: { ids: [id(1)] },
  GetAccountHistory: { accountId: id(101), timestampMax: 2n ** 63n, limit: 10 },
  CreateTransfers: {
    transfers: [{ id: id(0x5155), debitAccountId: id(1), creditAccountId: id(102), amount: 3n,
                  ledger: 1, code: 10 }],
  },
  ListGrids: { village: 1 },
  GetHousehold: { village: 1, household: 1 },
  ListHouseholds: { village: 1 },
  ListRules: { village: 1 },
  GetAward: { village: 1, awardId: id(9001) },
  ListAwards: { village: 1 },
  RecordAward: { award: { awardId: id(0x5156), village: 1, household: 2, rule: { rule: 1 },
                          quantity: 1n, note: 'connect' } },
  GetBoard: { village: 1, month: MONTH },
  GetStatement: { village: 1, household: 1, month: MONTH },
  GetReport: { village: 1, month: MONTH },
  ListItems: { village: 1, shop: 1 },
  GetTask: { village: 1, task: 1 },
  ListTasks: { village: 1 },
  ListPrincipals: {},
  ListAudit: { limit: 20 },
};

// Who calls what (server/AUTHZ.md): per service, with exceptions.
const CALLER = { LedgerService: 'admin', AdminService: 'admin', VillageService: 'committee-li' };
const CALLER_OF = {
  PutTown: 'admin', PutVillage: 'admin', CreateVillage: 'admin', SetExpiryPolicy: 'admin',
  SetBudget: 'admin', Rate: 'household-1', IssuePaymentCode: 'household-1',
  ObjectToAward: 'household-1', RedeemBasket: 'shop-1', ReturnBasket: 'shop-1',
  RecordCashSale: 'shop-1', PutItem: 'shop-1', Restock: 'shop-1', ClaimTask: 'household-3',
  CompleteTask: 'household-3', ApproveAward: 'committee-zhang',
};
// Answers that differ on every call by design, so only their status is compared.
const FRESH_EACH_TIME = new Set(['IssuePaymentCode', 'IssueCard']);

async function outcome(client, method, request) {
  try {
    const response = await client[method.localName](request);
    return { ok: true, bytes: Buffer.from(toBinary(method.output, response)).toString('hex') };
  } catch (error) {
    const e = ConnectError.from(error);
    return { ok: false, code: Code[e.code], message: e.rawMessage };
  }
}

describe('pointsd over the Connect protocol', () => {
  let dataDir;
  let server;
  const tokens = {};
  let transports;

  function clientsFor(service, who) {
    const interceptors = [bearer(tokens[who])];
    const baseUrl = `http://127.0.0.1:${server.httpPort}`;
    return {
      grpc: createClient(service, createGrpcTransport({
        baseUrl: `http://127.0.0.1:${server.grpcPort}`, interceptors })),
      json: createClient(service, createConnectTransport({ baseUrl, httpVersion: '1.1',
                                                           interceptors })),
      binary: createClient(service, createConnectTransport({ baseUrl, httpVersion: '1.1',
                                                             useBinaryFormat: true,
                                                             interceptors })),
      get: createClient(service, createConnectTransport({ baseUrl, httpVersion: '1.1',
                                                          useHttpGet: true, interceptors })),
    };
  }

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-connect-'));
    server = await startPointsd(dataDir);
    tokens.admin = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    for (const name of fs.readdirSync(path.join(dataDir, 'demo-tokens'))) {
      tokens[name] = fs.readFileSync(path.join(dataDir, 'demo-tokens', name), 'utf8').trim();
    }
    transports = true;
  });

  after(async () => {
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a call of every service, in JSON and in binary', async () => {
    assert.ok(transports);
    const calls = [
      ['LedgerService', 'admin', 'lookupAccounts', { ids: [id(101)] },
       (r) => assert.equal(r.accounts.length, 1)],
      ['VillageService', 'committee-li', 'getHousehold', { village: 1, household: 1 },
       (r) => assert.equal(r.household.name, '张家')],
      ['AwardService', 'committee-li', 'listRules', { village: 1 },
       (r) => assert.ok(r.rules.length >= 6)],
      ['BoardService', 'household-1', 'getBoard', { village: 1, month: MONTH },
       (r) => assert.ok(r)],
      ['ShopService', 'shop-1', 'listItems', { village: 1, shop: 1 },
       (r) => assert.ok(r.items.length > 0)],
      ['TaskService', 'committee-li', 'listTasks', { village: 1 }, (r) => assert.ok(r)],
      ['AdminService', 'admin', 'listPrincipals', {},
       (r) => assert.ok(r.principals.some((p) => p.name === 'committee-li'))],
      ['CommunityService', 'household-1', 'getFundStatement', { village: 1, month: MONTH },
       (r) => assert.ok(r.lines.length > 0)],
    ];
    const byName = Object.fromEntries(points.services.map((s) => [s.name, s]));
    assert.equal(calls.length, points.services.length);
    for (const [serviceName, who, method, request, check] of calls) {
      const clients = clientsFor(byName[serviceName], who);
      check(await clients.json[method](request));
      check(await clients.binary[method](request));
    }
  });

  it('answers every unary RPC over Connect (JSON, binary, GET) as over gRPC', async () => {
    let compared = 0;
    for (const service of points.services) {
      for (const method of service.methods) {
        if (method.methodKind !== 'unary') continue;
        const who = CALLER_OF[method.name] ?? CALLER[service.name] ?? 'committee-li';
        const clients = clientsFor(service, who);
        const request = create(method.input, SAMPLES[method.name] ?? {});
        await outcome(clients.grpc, method, request); // a write takes effect once, here
        const want = await outcome(clients.grpc, method, request); // and answers so again
        const ways = ['json', 'binary'];
        if (method.idempotency === 1 /* NO_SIDE_EFFECTS */) ways.push('get');
        for (const way of ways) {
          const got = await outcome(clients[way], method, request);
          const label = `${service.name}.${method.name} over ${way}`;
          if (FRESH_EACH_TIME.has(method.name)) {
            assert.equal(got.ok, want.ok, label);
          } else {
            assert.deepEqual(got, want, label);
          }
          compared += 1;
        }
      }
    }
    assert.ok(compared > 100, `compared ${compared}`);
  });

  it('marks exactly the reads NO_SIDE_EFFECTS, and GET refuses the rest', async () => {
    const reads = Object.keys(SAMPLES).filter((name) => /^(Get|List|Lookup)/.test(name));
    for (const service of points.services) {
      for (const method of service.methods) {
        if (method.methodKind !== 'unary') continue;
        const read = /^(Get|List|Lookup)/.test(method.name);
        assert.equal(method.idempotency === 1, read, `${method.name}`);
      }
    }
    assert.ok(reads.length > 10);
    const response = await fetch(
      `http://127.0.0.1:${server.httpPort}/points.v1.LedgerService/CreateTransfers?` +
        'connect=v1&encoding=json&message=%7B%7D',
      { headers: { Authorization: `Bearer ${tokens.admin}` } },
    );
    assert.equal(response.status, 405);
    assert.equal((await response.json()).code, 'unimplemented');
  });

  it('maps the statuses as gRPC does: auth, scope, rate limits', async () => {
    const villages = clientsFor(points.VillageService, 'household-1');
    await assert.rejects(villages.json.getHousehold({ village: 1, household: 2 }),
                         (e) => ConnectError.from(e).code === Code.PermissionDenied);
    const anonymous = createClient(points.VillageService, createConnectTransport({
      baseUrl: `http://127.0.0.1:${server.httpPort}`, httpVersion: '1.1' }));
    await assert.rejects(anonymous.getHousehold({ village: 1, household: 1 }),
                         (e) => ConnectError.from(e).code === Code.Unauthenticated);
    for (const [who, body, status, code] of [
      ['committee-li', { village: 1, household: 99 }, 404, 'not_found'],
      ['household-1', { village: 1, household: 2 }, 403, 'permission_denied'],
      ['household-1', { village: 1, household: 'one' }, 400, 'invalid_argument'],
    ]) {
      const response = await fetch(
        `http://127.0.0.1:${server.httpPort}/points.v1.VillageService/GetHousehold`,
        { method: 'POST', body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json',
                     Authorization: `Bearer ${tokens[who]}` } });
      assert.equal(response.status, status);
      assert.equal((await response.json()).code, code);
    }
  });

  it('streams balance changes that resume after a reconnect and after a restart', async () => {
    const ledger = () => clientsFor(points.LedgerService, 'admin');
    const award = async (n) => {
      const r = await ledger().grpc.createTransfers({ transfers: [{
        id: id(0x7700 + n), debitAccountId: id(1), creditAccountId: id(103), amount: BigInt(n),
        ledger: 1, code: 10 }] });
      assert.equal(r.results[0].result, 0);
    };
    await award(1);
    // A first watch, dropped by the client after the first change.
    const controller = new AbortController();
    let last = 0n;
    for await (const change of points.watchAccounts(ledger().json, [id(103)],
                                                    { signal: controller.signal })) {
      last = change.timestamp;
      controller.abort();
    }
    assert.ok(last > 0n);
    // Reconnect from there: the next change is the one after, nothing repeated.
    await award(2);
    const seen = [];
    const stop = new AbortController();
    const resumes = [];
    const watching = (async () => {
      for await (const change of points.watchAccounts(ledger().binary, [id(103)], {
        afterTimestamp: last, signal: stop.signal, delayMs: 100,
        onResume: (error) => resumes.push(ConnectError.from(error).code),
      })) {
        seen.push(change);
        if (seen.length === 3) stop.abort();
      }
    })();
    while (seen.length < 1) await new Promise((r) => setTimeout(r, 20));
    // pointsd restarts on the same ports: the watch resumes and sees what came meanwhile.
    assert.equal(await stopPointsd(server), 0);
    server = await startPointsd(dataDir, { grpcPort: server.grpcPort, httpPort: server.httpPort });
    await award(3);
    await award(4);
    await watching;
    assert.ok(resumes.includes(Code.Unavailable), `resumed after ${resumes}`);
    const timestamps = seen.map((c) => c.timestamp);
    assert.deepEqual([...new Set(timestamps)], timestamps); // nothing twice
    assert.ok(timestamps.every((t) => t > last));
    assert.deepEqual(seen.map((c, i) => (i ? c.creditsPosted - seen[i - 1].creditsPosted : 0n)),
                     [0n, 3n, 4n]); // 2, then 3 and 4: nothing missed
  });

  it('answers curl as the README shows it', () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const committee = path.join(dataDir, 'demo-tokens', 'committee-li');
    const read = execFileSync('sh', ['-c',
      `curl -sS -H "Authorization: Bearer $(cat ${committee})" -H 'Content-Type: application/json' ` +
      `-d '{"village":1,"household":1}' ${base}/points.v1.VillageService/GetHousehold`]).toString();
    assert.equal(JSON.parse(read).household.name, '张家');
    const award = execFileSync('sh', ['-c',
      `curl -sS -H "Authorization: Bearer $(cat ${committee})" -H 'Content-Type: application/json' ` +
      `-d '{"award":{"awardId":"AAAAAAAAAAAAAAAAAAB5mQ==","village":1,"household":2,` +
      `"rule":{"rule":1},"quantity":"1","note":"curl"}}' ` +
      `${base}/points.v1.AwardService/RecordAward`]).toString();
    const recorded = JSON.parse(award).award;
    assert.equal(recorded.household, '2');
    assert.equal(recorded.recordedBy, 'committee-li');
    const get = execFileSync('sh', ['-c',
      `curl -sS -G -H "Authorization: Bearer $(cat ${committee})" ` +
      `--data-urlencode 'encoding=json' --data-urlencode 'message={"village":1}' ` +
      `${base}/points.v1.AwardService/ListRules`]).toString();
    assert.ok(JSON.parse(get).rules.length >= 6);
    const denied = execFileSync('sh', ['-c',
      `curl -sS -w ' %{http_code}' -H 'Content-Type: application/json' -d '{}' ` +
      `${base}/points.v1.VillageService/ListTowns`]).toString();
    assert.match(denied, /"code":"unauthenticated".* 401$/);
  });
});
