// Offline consent through the real pointsd (clients/web/OFFLINE.md): the household's app gets
// its offline key with a payment code, makes one-time codes with it, and a shop's terminal sends
// the baskets it sold offline when its link returns (RedeemBasketRequest.sold_offline_at,
// PaymentConsent.offline_code). Each code pays once; a code the terminal could make without the
// key, a sale sent too late or a code not made at the sale is refused; every refused offline
// basket (its code, or the ledger: points spent meanwhile) is the shop's shortfall, listed with
// the catalogue for the shopkeeper and the committee (not for households), across a restart; the
// committee's own limits for the village reach the terminal and hold late baskets at sync.
//
//   node --test tests/web/offline_consent_test.mjs    (pointsd from $POINTSD)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { idsFrom, readDemoTokens, REPO, WEB, POINTSD } from './browser_kit.mjs';
import { startPointsd, stopPointsd } from '../testing/pointsd.mjs';

const points = await import(pathToFileURL(path.join(WEB, 'dist', 'index.js')).href);
const { createConnectTransport } = await import(
  pathToFileURL(path.join(WEB, 'dist', 'node.js')).href
);
const { bearer, createPointsClients, BasketState, Code, ConnectError } = points;

const NS = 1_000_000n;
const MINUTE = 60_000n * NS;
const nowNs = () => BigInt(Date.now()) * NS;

// What the household's app does offline: PO1-<village>-<household>-<issued hex>-<mac>.
function offlineCode(key, household, issuedNs, village = 1) {
  const text = `PO1-${village}-${household}-${issuedNs.toString(16)}`;
  const mac = crypto.createHmac('sha256', Buffer.from(key)).update(text).digest('hex');
  return `${text}-${mac.slice(0, 16)}`;
}

const basketId = idsFrom(0x0ff100);

describe('offline consent through pointsd', () => {
  let dataDir;
  let server;
  const api = {};
  const keys = {};

  function connect() {
    const base = `http://127.0.0.1:${server.httpPort}`;
    for (const [name, token] of Object.entries(readDemoTokens(dataDir))) {
      api[name] = createPointsClients(
        createConnectTransport({
          baseUrl: base,
          httpVersion: '1.1',
          interceptors: [bearer(token)],
        }),
      );
    }
  }
  const balanceOf = async (h) =>
    (
      await api['committee-li'].villages.getHousehold({
        village: 1,
        household: BigInt(h),
      })
    ).pointsBalance;
  const sell = (id, household, lines, code, soldAt, extra = {}) =>
    api['shop-1'].shops.redeemBasket({
      basket: {
        basketId: id,
        village: 1,
        shop: 1,
        household: BigInt(household),
        lines: lines.map(([item, quantity]) => ({
          item,
          quantity: BigInt(quantity),
        })),
      },
      consent: { offlineCode: code, ...extra },
      soldOfflineAt: soldAt,
    });
  const refusedWith = async (promise, code) => {
    const e = await promise.then(
      () => null,
      (error) => ConnectError.from(error),
    );
    assert.ok(e, 'refused');
    assert.equal(e.code, code, e.message);
    return e;
  };
  const shortfalls = async (who = 'shop-1') =>
    (await api[who].shops.listItems({ village: 1, shop: 1 })).offlineShortfalls;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pointsd-offline-'));
    server = await startPointsd(POINTSD, dataDir);
    connect();
  });

  after(async () => {
    if (server) await stopPointsd(server);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives the household's app its own offline key with a payment code", async () => {
    for (const h of [1, 2, 3]) {
      const shops = api[`household-${h}`].shops;
      const first = await shops.issuePaymentCode({
        village: 1,
        household: BigInt(h),
      });
      const again = await shops.issuePaymentCode({
        village: 1,
        household: BigInt(h),
      });
      assert.equal(first.offlineKey.length, 32);
      assert.deepEqual(first.offlineKey, again.offlineKey, 'the same key each time');
      keys[h] = first.offlineKey;
    }
    assert.notDeepEqual(keys[1], keys[2]);
    const limits = (await api['shop-1'].shops.listItems({ village: 1, shop: 1 })).offlineLimits;
    assert.deepEqual(
      [limits.offlineHours, limits.householdPoints, limits.householdBaskets],
      [72, 50n, 2],
    );
    assert.deepEqual([limits.terminalPoints, limits.terminalBaskets], [500n, 100]);
    assert.equal(limits.basketPointsMax, 50n);
  });

  it('redeems a basket sold offline once, and records when it was sold', async () => {
    const soldAt = nowNs() - 5n * MINUTE;
    const code = offlineCode(keys[1], 1, soldAt - MINUTE);
    const id = basketId();
    const before = await balanceOf(1);
    const r = await sell(id, 1, [[2, 2]], code, soldAt);
    assert.equal(r.basket.state, BasketState.REDEEMED);
    assert.equal(r.basket.soldOfflineAt, soldAt);
    assert.ok(r.basket.redeemedAt > soldAt, 'redeemed when it arrived');
    const again = await sell(id, 1, [[2, 2]], code, soldAt); // a resend after a lost answer
    assert.equal(again.basket.state, BasketState.REDEEMED);
    assert.equal(await balanceOf(1), before - 6n, 'charged once');
    // The same code on another basket: used, refused, and the shop's shortfall.
    const copy = basketId();
    await refusedWith(sell(copy, 1, [[1, 1]], code, soldAt), Code.PermissionDenied);
    assert.equal(await balanceOf(1), before - 6n);
    const s = (await shortfalls()).find((x) => Buffer.from(x.basketId).equals(Buffer.from(copy)));
    assert.ok(s, 'the copied code is a shortfall');
    assert.equal(s.points, 10n);
    assert.equal(s.household, 1n);
    assert.match(s.reason, /already used/);
  });

  it('refuses a code made without the key, a sale sent too late, a code not made at the sale', async () => {
    const soldAt = nowNs() - MINUTE;
    const before = await balanceOf(2);
    const forged = offlineCode(crypto.randomBytes(32), 2, soldAt); // what a terminal could make
    await refusedWith(sell(basketId(), 2, [[2, 1]], forged, soldAt), Code.PermissionDenied);
    const neighbours = offlineCode(keys[3], 2, soldAt); // another household's key
    await refusedWith(sell(basketId(), 2, [[2, 1]], neighbours, soldAt), Code.PermissionDenied);
    const old = nowNs() - 73n * 60n * MINUTE;
    await refusedWith(
      sell(basketId(), 2, [[2, 1]], offlineCode(keys[2], 2, old), old),
      Code.PermissionDenied,
    );
    const early = offlineCode(keys[2], 2, soldAt - 30n * MINUTE);
    await refusedWith(sell(basketId(), 2, [[2, 1]], early, soldAt), Code.PermissionDenied);
    assert.equal(await balanceOf(2), before, 'nothing charged');
    const reasons = (await shortfalls()).filter((s) => s.household === 2n).map((s) => s.reason);
    assert.equal(reasons.length, 4, reasons.join('; '));
    assert.ok(reasons.some((r) => /MAC is wrong/.test(r)));
    assert.ok(reasons.some((r) => /hours after its sale/.test(r)));
    assert.ok(reasons.some((r) => /not made at the time/.test(r)));
    // A request that is wrong records nothing.
    const code = offlineCode(keys[2], 2, soldAt);
    await refusedWith(
      sell(basketId(), 2, [[2, 1]], code, soldAt, {
        paymentCode: 'PC1-1-2-1-0000000000000000',
      }),
      Code.InvalidArgument,
    );
    await refusedWith(sell(basketId(), 2, [[2, 1]], code, 0n), Code.InvalidArgument);
    assert.equal((await shortfalls()).filter((s) => s.household === 2n).length, 4);
    // Households do not see the shop's shortfalls; the committee does.
    assert.equal((await shortfalls('household-2')).length, 0);
    assert.equal((await shortfalls('committee-li')).length, (await shortfalls()).length);
  });

  it('takes the limits the committee sets, and holds late baskets to them at sync', async () => {
    const defaults = (await api['committee-li'].shops.getOfflineLimits({ village: 1 })).limits;
    const tighter = {
      ...defaults,
      offlineHours: 2,
      householdPoints: 30n,
      basketPointsMax: 20n,
    };
    await refusedWith(
      api['shop-1'].shops.setOfflineLimits({ village: 1, limits: tighter }),
      Code.PermissionDenied,
    );
    await refusedWith(
      api['committee-li'].shops.setOfflineLimits({
        village: 1,
        limits: { ...tighter, offlineHours: 721 },
      }),
      Code.InvalidArgument,
    );
    await api['committee-li'].shops.setOfflineLimits({
      village: 1,
      limits: tighter,
    });
    // The terminal takes them with its catalogue while online.
    const limits = (await api['shop-1'].shops.listItems({ village: 1, shop: 1 })).offlineLimits;
    assert.deepEqual(
      [limits.offlineHours, limits.householdPoints, limits.basketPointsMax],
      [2, 30n, 20n],
    );
    // A basket sold three hours ago arrives: within the 72 h default, beyond the village's 2 h.
    const soldAt = nowNs() - 180n * MINUTE;
    const before = await balanceOf(3);
    const late = basketId();
    const e = await refusedWith(
      sell(late, 3, [[2, 1]], offlineCode(keys[3], 3, soldAt), soldAt),
      Code.PermissionDenied,
    );
    assert.match(e.message, /more than 2 hours after its sale/);
    assert.equal(await balanceOf(3), before, 'nothing charged');
    assert.ok((await shortfalls()).some((x) => Buffer.from(x.basketId).equals(Buffer.from(late))));
    await api['committee-li'].shops.setOfflineLimits({
      village: 1,
      limits: defaults,
    });
  });

  it('records a basket whose points were spent elsewhere meanwhile as a shortfall, across a restart', async () => {
    const balance = await balanceOf(3);
    const soldAt = nowNs() - 2n * MINUTE;
    const code = offlineCode(keys[3], 3, soldAt);
    // Item 3 (15 points) more times than the balance covers.
    const quantity = Number(balance / 15n) + 1;
    const id = basketId();
    const r = await sell(id, 3, [[3, quantity]], code, soldAt);
    assert.equal(r.basket.state, BasketState.REFUSED);
    assert.equal(r.basket.soldOfflineAt, soldAt);
    assert.equal(await balanceOf(3), balance);
    const find = async () =>
      (await shortfalls()).find((x) => Buffer.from(x.basketId).equals(Buffer.from(id)));
    assert.match((await find()).reason, /not enough points/);
    assert.equal((await find()).points, BigInt(quantity) * 15n);
    const count = (await shortfalls()).length;
    await stopPointsd(server);
    server = await startPointsd(POINTSD, dataDir);
    connect();
    assert.equal((await shortfalls()).length, count, 'kept across a restart');
    assert.ok(await find());
    // The used code stays used after the restart.
    await refusedWith(sell(basketId(), 3, [[2, 1]], code, soldAt), Code.PermissionDenied);
  });
  it("puts the month's shortfalls in the committee's report, shop by shop", async () => {
    const listed = await shortfalls('committee-li');
    assert.ok(listed.length > 0);
    const china = new Date(Date.now() + 8 * 3600_000); // the village's month (Asia/Shanghai)
    const month = china.getUTCFullYear() * 100 + china.getUTCMonth() + 1;
    const report = await api['committee-li'].board.getReport({
      village: 1,
      month,
    });
    const shop = report.shops.find((s) => s.shop === 1);
    assert.ok(shop, 'shop 1 in the report');
    assert.equal(shop.offlineShortfalls, BigInt(listed.length));
    assert.equal(
      shop.offlineShortfallPoints,
      listed.reduce((n, s) => n + s.points, 0n),
    );
  });
});
