// The terminal's outbox: every sale is written to this device's IndexedDB, whole and with its
// basket id, in one strict-durability transaction before its first send, and stays there until
// the server's answer is known. A double tap, a retry, a reload or a crash of the page finds
// the same sale under the same id, and the server answers a resend of a basket id with the
// basket as it stands (shops.proto, RedeemBasket): nobody is charged twice. Sales are sent
// oldest first, one at a time.
import { hex, randomId } from '../format.js';

export type SaleState = 'waiting' | 'done' | 'refused' | 'attention';

export interface SaleLine {
  item: number;
  name: string;
  quantity: number;
  pointsEach: number;
  // A cash sale's list price per unit (fen), from the catalogue.
  cashEach?: number;
}

// A cash sale to a member as the server recorded it (shops.proto, RecordCashSaleResponse).
export interface CashAnswer {
  listFen: number;
  discountBp: number;
  paidFen: number;
  levyBp: number;
  levyFen: number;
}

// A return of a redeemed basket (ShopService.ReturnBasket), kept with the sale from the tap
// until its answer is known, as the sale itself was: a resend returns nothing twice.
export interface SaleReturn {
  state: 'waiting' | 'done' | 'refused';
  sends: number;
  asked: number; // ms, this device's clock: the return's place in the outbox's order
  at?: number; // ms: when the server's answer came
  words?: string;
}

export interface Sale {
  id: string; // the basket id, 32 hex digits
  created: number; // ms, this device's clock: the outbox's order
  village: number;
  shop: number;
  household: number;
  lines: SaleLine[];
  total: number;
  paymentCode: string;
  // Sold without the server, on an offline code (OFFLINE.md): sent with its sale time.
  offline?: boolean;
  // Paid by the household's card and PIN instead of a code (online only). The PIN is kept
  // only until the answer is known (a resend after a lost answer needs it), then erased.
  card?: string;
  pin?: string;
  // 'cash': a member paying cash (RecordCashSale, the sale id is `id`): total is in fen at list
  // prices until the answer gives what was paid (`cash`).
  kind?: 'cash';
  cash?: CashAnswer;
  // Set when the shopkeeper takes the basket back.
  returned?: SaleReturn;
  state: SaleState;
  sends: number;
  // When the answer is known: the server's time of redeeming (ms) and what it said, in words.
  redeemedAt?: number;
  words?: string;
}

const kDatabase = 'points-terminal';
const kStore = 'sales';
// Answered sales are kept this long for the day's list and receipts, then pruned.
const kKeepAnsweredMs = 7 * 24 * 3600_000;

let opened: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(kDatabase, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(kStore, { keyPath: 'id' });
      store.createIndex('created', 'created');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

// Asks the browser not to evict the outbox under storage pressure (best effort).
export function keepStorage(): void {
  void navigator.storage?.persist?.().catch(() => false);
}

export function newSaleId(): string {
  return hex(randomId());
}

// Writes (or rewrites) a sale; resolves once it is on disk.
export async function putSale(sale: Sale): Promise<void> {
  const db = await database();
  const tx = db.transaction(kStore, 'readwrite', { durability: 'strict' });
  tx.objectStore(kStore).put(sale);
  await done(tx);
}

export async function getSale(id: string): Promise<Sale | undefined> {
  const db = await database();
  const tx = db.transaction(kStore, 'readonly');
  const request = tx.objectStore(kStore).get(id);
  await done(tx);
  return request.result as Sale | undefined;
}

// Every sale of this shop, oldest first.
export async function listSales(village: number, shop: number): Promise<Sale[]> {
  const db = await database();
  const tx = db.transaction(kStore, 'readonly');
  const request = tx.objectStore(kStore).index('created').getAll();
  await done(tx);
  return (request.result as Sale[]).filter((s) => s.village === village && s.shop === shop);
}

// Drops answered sales older than kKeepAnsweredMs; a sale or return still waiting is never
// dropped.
export async function pruneSales(now = Date.now()): Promise<void> {
  const db = await database();
  const tx = db.transaction(kStore, 'readwrite', { durability: 'strict' });
  const store = tx.objectStore(kStore);
  const request = store.getAll();
  request.onsuccess = () => {
    for (const sale of request.result as Sale[]) {
      const open = sale.state === 'waiting' || sale.returned?.state === 'waiting';
      if (!open && now - sale.created > kKeepAnsweredMs) store.delete(sale.id);
    }
  };
  await done(tx);
}
