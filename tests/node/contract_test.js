// Contract test of proto/points/v1/ledger.proto (and, at the end, of the village, award and task
// services) from Node.js, as a mobile or web team would use it: nothing but the .proto files,
// loaded at run time with @grpc/proto-loader, against the real pointsd binary on a free port
// with a temporary store.
//
//   node --test tests/node/contract_test.js           (pointsd from $POINTSD)
//   node tests/node/contract_test.js build/server/pointsd
//
// uint64 fields travel as decimal strings (longs: String) and are compared as BigInt, so an
// amount above 2^53 proves no precision is lost on the way in or out.
//
// Every call carries a principal's token as `authorization: Bearer <token>` metadata
// (server/AUTHZ.md): here the first admin's, which pointsd wrote to DATA_DIR/admin.token at its
// first start (the raw ledger is the admin's). Server reflection and health checks need none.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const REPO = path.resolve(__dirname, '..', '..');
const POINTSD =
  process.env.POINTSD || process.argv[2] || path.join(REPO, 'build', 'server', 'pointsd');

// What ledger.proto's header says a JavaScript client must set.
const LOAD_OPTIONS = {
  includeDirs: [path.join(REPO, 'proto')],
  keepCase: true, // field names exactly as in the .proto: credits_posted, user_data_128
  longs: String, // uint64 as decimal strings: exact, unlike Number
  enums: String, // enum values by name: 'CREATE_TRANSFER_RESULT_OK'
  bytes: Buffer,
  defaults: true, // zero values present: result 0 (OK) is on the wire as "absent"
};
const packageDefinition = protoLoader.loadSync('points/v1/ledger.proto', LOAD_OPTIONS);
const v1 = grpc.loadPackageDefinition(packageDefinition).points.v1;

// A 128-bit id as 16 bytes, big-endian. High half non-zero, so byte order is checked too.
function id(n) {
  const value = (0x0123456789abcdefn << 64n) | BigInt(n);
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(value >> 64n, 0);
  bytes.writeBigUInt64BE(value & 0xffffffffffffffffn, 8);
  return bytes;
}

const LEDGER_POINTS = 1;
const ISSUER = id(1); // the village committee: issues points, no floor
const HOUSEHOLD = id(2); // cannot spend points it has not got
const SHOP = id(3);

const BIG = 2n ** 53n + 1n; // 9007199254740993: not a double
const MAX_U64 = 2n ** 64n - 1n;

function account(accountId, code, flags = {}) {
  return { id: accountId, ledger: LEDGER_POINTS, code, flags };
}

function transfer(n, debit, credit, amount, extra = {}) {
  return {
    id: id(1000 + n),
    debit_account_id: debit,
    credit_account_id: credit,
    amount: String(amount),
    ledger: LEDGER_POINTS,
    code: 7,
    ...extra,
  };
}

// Starts pointsd on 127.0.0.1:0 and resolves with { child, port } once its first stdout line,
// "pointsd listening on 127.0.0.1:PORT, data in DIR", has said where it listens.
function startPointsd(dataDir, flags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      POINTSD,
      ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--stats-seconds', '0', ...flags],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`pointsd exited before listening: code ${code}, signal ${signal}`)),
    );
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const match = /listening on 127\.0\.0\.1:(\d+),/.exec(line);
      if (!match) return reject(new Error(`unexpected first line from pointsd: ${line}`));
      child.removeAllListeners('exit');
      lines.on('line', () => {}); // keep draining stdout
      resolve({ child, port: Number(match[1]) });
    });
  });
}

// Call metadata with `token` as the bearer.
function bearer(token) {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

describe('points.v1.LedgerService from the .proto alone', () => {
  let dataDir;
  let pointsd;
  let client;
  let auth; // the first admin's token, as call metadata

  // Unary call as a promise, with a deadline, as the admin (or with `metadata`).
  function call(method, request, metadata = auth) {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + 10_000);
      client[method](request, metadata, { deadline }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  async function lookupAccount(accountId) {
    const { accounts } = await call('LookupAccounts', { ids: [accountId] });
    assert.equal(accounts.length, 1);
    return accounts[0];
  }

  before(async () => {
    assert.ok(fs.existsSync(POINTSD), `no pointsd at ${POINTSD}: set POINTSD or pass its path`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-contract-'));
    pointsd = await startPointsd(dataDir);
    // The first admin's token, written (mode 0600) before pointsd said where it listens.
    const tokenFile = path.join(dataDir, 'admin.token');
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
    auth = bearer(token);
    client = new v1.LedgerService(`127.0.0.1:${pointsd.port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    if (client) client.close();
    if (pointsd && pointsd.child.exitCode === null && pointsd.child.signalCode === null) {
      pointsd.child.kill('SIGKILL'); // only if a test failed before the SIGTERM one
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const created = {}; // transfer number -> timestamp assigned

  it('refuses a call without a token, or with an unknown one: UNAUTHENTICATED, nothing written', async () => {
    const unauthenticated = (error) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      return true;
    };
    await assert.rejects(
      call('CreateAccounts', { accounts: [account(id(900), 1)] }, new grpc.Metadata()),
      (error) => unauthenticated(error) && /token/.test(error.details),
    );
    await assert.rejects(
      call('LookupAccounts', { ids: [id(900)] }, bearer('0'.repeat(64))),
      unauthenticated,
    );
    await assert.rejects(
      call('LookupAccounts', { ids: [id(900)] }, bearer('not-a-token')),
      unauthenticated,
    );
    const { accounts } = await call('LookupAccounts', { ids: [id(900)] });
    assert.equal(accounts.length, 0); // the refused create wrote nothing
  });

  it('creates accounts, all fields round-trip, retries answer EXISTS', async () => {
    const accounts = [
      {
        ...account(ISSUER, 1),
        user_data_128: id(77),
        user_data_64: MAX_U64.toString(),
        user_data_32: 4294967295,
      },
      account(HOUSEHOLD, 2, { debits_must_not_exceed_credits: true, history: true }),
      account(SHOP, 3),
    ];
    const first = await call('CreateAccounts', { accounts });
    assert.deepEqual(
      first.results.map((r) => r.result),
      ['CREATE_ACCOUNT_RESULT_OK', 'CREATE_ACCOUNT_RESULT_OK', 'CREATE_ACCOUNT_RESULT_OK'],
    );
    for (const r of first.results) assert.ok(BigInt(r.timestamp) > 0n);
    assert.ok(BigInt(first.results[0].timestamp) < BigInt(first.results[1].timestamp));

    const again = await call('CreateAccounts', { accounts });
    assert.deepEqual(
      again.results.map((r) => [r.result, r.timestamp]),
      first.results.map((r) => ['CREATE_ACCOUNT_RESULT_EXISTS', r.timestamp]),
    );

    const { accounts: found } = await call('LookupAccounts', {
      ids: [SHOP, id(999), ISSUER, HOUSEHOLD], // id(999) does not exist: left out
    });
    assert.deepEqual(
      found.map((a) => a.id),
      [SHOP, ISSUER, HOUSEHOLD],
    );
    const issuer = found[1];
    assert.ok(Buffer.isBuffer(issuer.id));
    assert.deepEqual(issuer.user_data_128, id(77));
    assert.equal(issuer.user_data_64, '18446744073709551615');
    assert.equal(issuer.user_data_32, 4294967295);
    assert.equal(issuer.ledger, LEDGER_POINTS);
    assert.equal(issuer.code, 1);
    assert.equal(issuer.timestamp, first.results[0].timestamp);
    assert.equal(issuer.credits_posted, '0');
    assert.deepEqual(found[2].flags, {
      linked: false,
      debits_must_not_exceed_credits: true,
      credits_must_not_exceed_debits: false,
      history: true,
      closed: false,
    });
    assert.equal(found[2].user_data_128.length, 0); // zero travels as empty bytes
  });

  it('creates transfers: OK, EXCEEDS_CREDITS on an overspend, EXISTS on a resend', async () => {
    const transfers = [
      transfer(1, ISSUER, SHOP, BIG, { user_data_64: MAX_U64.toString(), user_data_32: 9 }),
      transfer(2, ISSUER, HOUSEHOLD, 50n), // a hygiene award
      transfer(3, HOUSEHOLD, SHOP, 80n), // 80 > 50: refused
      transfer(4, HOUSEHOLD, SHOP, 30n, { user_data_128: id(4242) }),
    ];
    const first = await call('CreateTransfers', { transfers });
    assert.deepEqual(
      first.results.map((r) => r.result),
      [
        'CREATE_TRANSFER_RESULT_OK',
        'CREATE_TRANSFER_RESULT_OK',
        'CREATE_TRANSFER_RESULT_EXCEEDS_CREDITS',
        'CREATE_TRANSFER_RESULT_OK',
      ],
    );
    assert.equal(first.results[2].timestamp, '0');
    [1, 2, 4].forEach((n) => (created[n] = first.results[n - 1].timestamp));

    // The terminal never saw the answer and resends: nothing is applied twice.
    // The overspend's id was recorded as failed: it can never succeed later.
    const again = await call('CreateTransfers', { transfers });
    assert.deepEqual(
      again.results.map((r) => r.result),
      [
        'CREATE_TRANSFER_RESULT_EXISTS',
        'CREATE_TRANSFER_RESULT_EXISTS',
        'CREATE_TRANSFER_RESULT_ID_ALREADY_FAILED',
        'CREATE_TRANSFER_RESULT_EXISTS',
      ],
    );
    // EXISTS carries the original's timestamp. (Not checked for ID_ALREADY_FAILED: the proto says
    // 0, pointsd sends the timestamp of the failed attempt; one of the two is to be fixed.)
    assert.deepEqual(
      [0, 1, 3].map((i) => again.results[i].timestamp),
      [created[1], created[2], created[4]],
    );

    // Same id, different amount: not applied, and says which field differs.
    const changed = await call('CreateTransfers', {
      transfers: [transfer(2, ISSUER, HOUSEHOLD, 51n)],
    });
    assert.equal(changed.results[0].result, 'CREATE_TRANSFER_RESULT_EXISTS_WITH_DIFFERENT_AMOUNT');
  });

  it('balances are exact above 2^53', async () => {
    const issuer = await lookupAccount(ISSUER);
    const household = await lookupAccount(HOUSEHOLD);
    const shop = await lookupAccount(SHOP);
    assert.equal(issuer.debits_posted, (BIG + 50n).toString()); // 9007199254741043
    assert.equal(issuer.credits_posted, '0');
    assert.equal(household.credits_posted, '50');
    assert.equal(household.debits_posted, '30');
    assert.equal(shop.credits_posted, (BIG + 30n).toString()); // 9007199254741023
    assert.notEqual(Number(shop.credits_posted).toString(), shop.credits_posted); // a double would round
  });

  it('looks up transfers: every field round-trips, failed ids are left out', async () => {
    const { transfers } = await call('LookupTransfers', {
      ids: [id(1004), id(1003), id(1001)], // 1003 failed: not a transfer
    });
    assert.equal(transfers.length, 2);
    const [t4, t1] = transfers;
    assert.deepEqual(t1, {
      id: id(1001),
      debit_account_id: ISSUER,
      credit_account_id: SHOP,
      amount: '9007199254740993',
      pending_id: Buffer.alloc(0),
      user_data_128: Buffer.alloc(0),
      user_data_64: '18446744073709551615',
      user_data_32: 9,
      timeout_seconds: 0,
      ledger: LEDGER_POINTS,
      code: 7,
      flags: {
        linked: false,
        pending: false,
        post_pending_transfer: false,
        void_pending_transfer: false,
      },
      timestamp: created[1],
    });
    assert.deepEqual(t4.id, id(1004));
    assert.equal(t4.amount, '30');
    assert.deepEqual(t4.user_data_128, id(4242));
    assert.equal(t4.timestamp, created[4]);
  });

  it('pending then post: flags and pending_id round-trip', async () => {
    const pending = transfer(5, HOUSEHOLD, SHOP, 10n, {
      flags: { pending: true },
      timeout_seconds: 3600,
    });
    const post = {
      id: id(1006),
      debit_account_id: HOUSEHOLD,
      credit_account_id: SHOP,
      amount: '0', // the whole pending amount
      pending_id: id(1005),
      ledger: LEDGER_POINTS,
      code: 7,
      flags: { post_pending_transfer: true },
    };
    const reserved = await call('CreateTransfers', { transfers: [pending] });
    assert.equal(reserved.results[0].result, 'CREATE_TRANSFER_RESULT_OK');
    created[5] = reserved.results[0].timestamp;
    assert.equal((await lookupAccount(HOUSEHOLD)).debits_pending, '10');

    const posted = await call('CreateTransfers', { transfers: [post] });
    assert.equal(posted.results[0].result, 'CREATE_TRANSFER_RESULT_OK');
    created[6] = posted.results[0].timestamp;
    const household = await lookupAccount(HOUSEHOLD);
    assert.equal(household.debits_pending, '0');
    assert.equal(household.debits_posted, '40');

    const { transfers } = await call('LookupTransfers', { ids: [id(1005), id(1006)] });
    assert.equal(transfers[0].flags.pending, true);
    assert.equal(transfers[0].timeout_seconds, 3600);
    assert.equal(transfers[1].flags.post_pending_transfer, true);
    assert.deepEqual(transfers[1].pending_id, id(1005));
  });

  it('pages GetAccountHistory forwards and backwards', async () => {
    // Five more awards, so the household has 2 + 2 + 5 = 9 transfers.
    const awards = [7, 8, 9, 10, 11].map((n) => transfer(n, ISSUER, HOUSEHOLD, 1n));
    const result = await call('CreateTransfers', { transfers: awards });
    assert.ok(result.results.every((r) => r.result === 'CREATE_TRANSFER_RESULT_OK'));
    const expected = [
      created[2],
      created[4],
      created[5],
      created[6],
      ...result.results.map((r) => r.timestamp),
    ];

    async function allPages(reversed) {
      const seen = [];
      let min = 0n;
      let max = 0n; // 0 = no upper bound
      for (let pages = 0; pages < 10; pages++) {
        const { transfers } = await call('GetAccountHistory', {
          account_id: HOUSEHOLD,
          timestamp_min: min.toString(),
          timestamp_max: max.toString(),
          limit: 4,
          reversed,
        });
        assert.ok(transfers.length <= 4);
        seen.push(...transfers.map((t) => t.timestamp));
        if (transfers.length < 4) return seen; // the range is exhausted
        const last = BigInt(transfers[transfers.length - 1].timestamp);
        if (reversed) max = last - 1n;
        else min = last + 1n;
      }
      assert.fail('history did not end');
    }

    assert.deepEqual(await allPages(false), expected); // pages of 4, 4, 1
    assert.deepEqual(await allPages(true), [...expected].reverse());
  });

  it('a malformed id gets INVALID_ARGUMENT naming the field, and nothing is written', async () => {
    const bad = transfer(12, ISSUER, HOUSEHOLD, 5n);
    bad.credit_account_id = Buffer.from('short'); // 5 bytes
    await assert.rejects(
      call('CreateTransfers', { transfers: [transfer(13, ISSUER, HOUSEHOLD, 5n), bad] }),
      (error) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(error.details, /transfers\[1\]\.credit_account_id/);
        return true;
      },
    );
    await assert.rejects(call('LookupAccounts', { ids: [ISSUER, Buffer.alloc(5)] }), (error) => {
      assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
      assert.match(error.details, /ids\[1\]/);
      return true;
    });
    await assert.rejects(
      call('GetAccountHistory', { account_id: HOUSEHOLD, limit: 0 }),
      (error) => error.code === grpc.status.INVALID_ARGUMENT && /limit/.test(error.details),
    );
    // The good first transfer of the refused request was not applied.
    const { transfers } = await call('LookupTransfers', { ids: [id(1013)] });
    assert.equal(transfers.length, 0);
  });

  it('WatchAccounts streams every change, then new ones live, and resumes from a timestamp', async () => {
    // Everything so far, as GetAccountHistory sees the household's transfers.
    const { transfers: past } = await call('GetAccountHistory', {
      account_id: HOUSEHOLD,
      limit: 8189,
    });
    const watch = client.WatchAccounts({ account_ids: [HOUSEHOLD], after_timestamp: '0' }, auth);
    const received = [];
    let wanted = past.length;
    let onWanted;
    watch.on('data', ({ changes }) => {
      received.push(...changes);
      if (received.length >= wanted && onWanted) onWanted();
    });
    const ended = new Promise((resolve) => watch.on('error', resolve));
    const arrived = () =>
      new Promise((resolve) => {
        onWanted = resolve;
        if (received.length >= wanted) resolve();
      });
    await arrived();
    assert.deepEqual(
      received.map((c) => c.timestamp),
      past.map((t) => t.timestamp),
    );
    // A new award arrives on the open stream with the balance after it.
    const before = await lookupAccount(HOUSEHOLD);
    wanted += 1;
    const { results } = await call('CreateTransfers', {
      transfers: [transfer(20, ISSUER, HOUSEHOLD, 9n)],
    });
    const [result] = results;
    await arrived();
    const last = received[received.length - 1];
    assert.equal(last.timestamp, result.timestamp);
    assert.equal(BigInt(last.credits_posted), BigInt(before.credits_posted) + 9n);
    assert.ok(last.account_id.equals(HOUSEHOLD));
    watch.cancel();
    assert.equal((await ended).code, grpc.status.CANCELLED);

    // A phone that saw all but the last change resumes after the one before it.
    const resumed = client.WatchAccounts(
      {
        account_ids: [HOUSEHOLD],
        after_timestamp: received[received.length - 2].timestamp,
      },
      auth,
    );
    const resumedEnded = new Promise((resolve) => resumed.on('error', resolve));
    const [first] = await new Promise((resolve) =>
      resumed.once('data', ({ changes }) => resolve(changes)),
    );
    resumed.cancel();
    assert.equal(first.timestamp, last.timestamp);
    assert.equal((await resumedEnded).code, grpc.status.CANCELLED);
  });

  it('server reflection lists the services and describes the ledger, without a token', async () => {
    const reflectionDefinition = protoLoader.loadSync('grpc/reflection/v1alpha/reflection.proto', {
      includeDirs: [path.join(__dirname, 'node_modules', '@grpc', 'reflection', 'build', 'proto')],
      keepCase: true,
    });
    const { ServerReflection } =
      grpc.loadPackageDefinition(reflectionDefinition).grpc.reflection.v1alpha;
    const reflection = new ServerReflection(
      `127.0.0.1:${pointsd.port}`,
      grpc.credentials.createInsecure(),
    );
    const ask = (request) =>
      new Promise((resolve, reject) => {
        const stream = reflection.ServerReflectionInfo();
        stream.once('data', (response) => {
          stream.end();
          resolve(response);
        });
        stream.once('error', reject);
        stream.write(request);
      });
    const listed = await ask({ list_services: '' });
    const names = listed.list_services_response.service.map((s) => s.name);
    assert.ok(names.includes('points.v1.LedgerService'), names.join(', '));
    assert.ok(names.includes('grpc.health.v1.Health'), names.join(', '));
    const described = await ask({ file_containing_symbol: 'points.v1.LedgerService' });
    const files = described.file_descriptor_response.file_descriptor_proto;
    assert.ok(
      files.some((bytes) => bytes.includes('WatchAccounts')),
      'no WatchAccounts in the descriptor',
    );
    reflection.close();
  });

  it('stops on SIGTERM with exit code 0', async () => {
    client.close();
    client = null;
    const { child } = pointsd;
    const exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  });
});

// The points supermarket's services from their .proto files alone, as a household app and the
// village's officials would call them, against pointsd --demo (its principals' tokens are in
// DATA_DIR/demo-tokens/): what a client developer trips on (issue 13).
describe('points.v1 village, award and task services from the .proto alone', () => {
  const domainDefinition = protoLoader.loadSync(
    ['points/v1/awards.proto', 'points/v1/tasks.proto'],
    LOAD_OPTIONS,
  );
  const domain = grpc.loadPackageDefinition(domainDefinition).points.v1;
  let dataDir;
  let pointsd;
  const clients = {};

  function as(name) {
    const file =
      name === 'admin'
        ? path.join(dataDir, 'admin.token')
        : path.join(dataDir, 'demo-tokens', name);
    return bearer(fs.readFileSync(file, 'utf8').trim());
  }
  function call(service, method, request, name) {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + 10_000);
      clients[service][method](request, as(name), { deadline }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }
  // An id whose high half is zero, as the demo's award 9001 has.
  const smallId = (n) => {
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64BE(BigInt(n), 8);
    return bytes;
  };
  const invalid = (pattern) => (error) => {
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT, error.details);
    assert.match(error.details, pattern);
    return true;
  };

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-contract-demo-'));
    pointsd = await startPointsd(dataDir, ['--demo', '--review-threshold', '20']);
    const address = `127.0.0.1:${pointsd.port}`;
    for (const service of ['VillageService', 'AwardService', 'TaskService']) {
      clients[service] = new domain[service](address, grpc.credentials.createInsecure());
    }
  });

  after(() => {
    for (const client of Object.values(clients)) client.close();
    if (pointsd) pointsd.child.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a number outside its range is INVALID_ARGUMENT naming the range, whoever calls', async () => {
    for (const name of ['admin', 'committee-li']) {
      await assert.rejects(
        call('VillageService', 'GetHousehold', { village: 4000000, household: '1' }, name),
        invalid(/^village: must be 1\.\.1048576, got 4000000$/),
      );
    }
    await assert.rejects(
      call('VillageService', 'GetHousehold', { village: 1, household: '0' }, 'committee-li'),
      invalid(/^household: must not be 0$/),
    );
  });

  it('an unknown enum number is named, before the scope is looked at', async () => {
    await assert.rejects(
      call('AwardService', 'ListAwards', { village: 1, state: 99 }, 'committee-li'),
      invalid(/^state: got 99, want one of AWARD_STATE_AWAITING_REVIEW \(1\), /),
    );
    const claim = { village: 1, task: 1, claim_id: id(5000), claimant_kind: 99, claimant: '1' };
    await assert.rejects(
      call('TaskService', 'ClaimTask', claim, 'household-1'),
      invalid(/^claimant_kind: got 99, /),
    );
  });

  it('shows who objected only to the committee, the auditor and the objector', async () => {
    const award = {
      award_id: id(5001),
      village: 1,
      household: '1',
      rule: { rule: 1 },
      quantity: '1',
      note: '庭院整洁',
    };
    const recorded = await call('AwardService', 'RecordAward', { award }, 'grid-wang');
    assert.equal(recorded.award.state, 'AWARD_STATE_ON_NOTICE');
    await call(
      'AwardService',
      'ObjectToAward',
      { village: 1, award_id: award.award_id, reason: '门前仍有杂物' },
      'household-2',
    );
    const seenBy = async (name) =>
      (await call('AwardService', 'GetAward', { village: 1, award_id: award.award_id }, name))
        .award;
    for (const name of ['committee-li', 'auditor', 'household-2']) {
      const seen = await seenBy(name);
      assert.equal(seen.objected_by, 'household-2', name);
      assert.equal(seen.objection, '门前仍有杂物', name);
    }
    const own = await seenBy('household-1'); // the household objected against
    assert.equal(own.state, 'AWARD_STATE_HELD');
    assert.equal(own.objected_by, ''); // present as '' thanks to defaults: true
    assert.equal(own.objection, '');
    assert.equal(own.recorded_by, 'grid-wang');
  });

  it("fills in an award's rule as the catalogue has it", async () => {
    const listed = { village: 1, rule: 1 };
    const { rules } = await call('AwardService', 'ListRules', listed, 'household-1');
    assert.equal(rules.length, 1);
    const { award } = await call(
      'AwardService',
      'GetAward',
      { village: 1, award_id: smallId(9001) }, // the demo's award of household 2
      'household-1',
    );
    assert.equal(award.rule.name, rules[0].name);
    assert.ok(award.rule.name.length > 0);
    assert.equal(award.rule.version, rules[0].version);
    assert.equal(award.rule.changed_by, rules[0].changed_by);
    assert.equal(award.rule.changed_at, rules[0].changed_at);
  });

  it('has no request field naming who acts: the caller is', () => {
    for (const [name, definition] of Object.entries(domainDefinition)) {
      if (!name.endsWith('Request') || !definition.type) continue;
      const fields = definition.type.field.map((f) => f.name);
      for (const actor of ['by', 'reviewer', 'recorded_by', 'posted_by', 'changed_by']) {
        assert.ok(!fields.includes(actor), `${name}.${actor}`);
      }
    }
    const approve = domainDefinition['points.v1.ApproveAwardRequest'].type;
    assert.ok(approve.reservedName.includes('reviewer'));
  });
});
