// The shop's catalogue on this device: read from the server when it answers, kept in
// localStorage so the terminal shows its items (with the stock last known) without a link.
import type { Clients } from '../api.js';
import { nanosToMs, plainName } from '../format.js';

export interface ShopItem {
  item: number;
  name: string;
  points: number;
  stock: number;
  // The cash price in fen a member's discount is taken from; 0: not sold for cash.
  cashFen?: number;
}

// What the terminal may do offline (shops.proto, OfflineLimits; OFFLINE.md).
export interface Limits {
  offlineHours: number;
  householdPoints: number;
  householdBaskets: number;
  terminalPoints: number;
  terminalBaskets: number;
  basketPointsMax: number;
}

// A basket sold offline that the server refused: the shop's shortfall.
export interface Shortfall {
  household: number;
  points: number;
  soldAt: number; // ms
  reason: string;
}

export interface Catalogue {
  items: ShopItem[];
  readAt: number; // ms: when the server last gave it
  limits?: Limits;
  shortfalls?: Shortfall[];
}

const keyOf = (village: number, shop: number) => `points.terminal.catalogue.${village}.${shop}`;

export function storedCatalogue(village: number, shop: number): Catalogue | null {
  try {
    const stored = JSON.parse(localStorage.getItem(keyOf(village, shop)) ?? 'null');
    if (stored && Array.isArray(stored.items)) return stored as Catalogue;
  } catch {
    // A damaged entry is read again from the server.
  }
  return null;
}

export async function fetchCatalogue(
  clients: Clients,
  village: number,
  shop: number,
): Promise<Catalogue> {
  const r = await clients.shops.listItems({ village, shop });
  const catalogue: Catalogue = {
    items: r.items.map((i) => ({
      item: i.item,
      name: plainName(i.name),
      points: Number(i.pointsPrice),
      stock: Number(i.stock),
      cashFen: Number(i.cashPriceFen),
    })),
    readAt: Date.now(),
    limits: r.offlineLimits && {
      offlineHours: r.offlineLimits.offlineHours,
      householdPoints: Number(r.offlineLimits.householdPoints),
      householdBaskets: r.offlineLimits.householdBaskets,
      terminalPoints: Number(r.offlineLimits.terminalPoints),
      terminalBaskets: r.offlineLimits.terminalBaskets,
      basketPointsMax: Number(r.offlineLimits.basketPointsMax),
    },
    shortfalls: r.offlineShortfalls.map((s) => ({
      household: Number(s.household),
      points: Number(s.points),
      soldAt: nanosToMs(s.soldAt),
      reason: s.reason,
    })),
  };
  localStorage.setItem(keyOf(village, shop), JSON.stringify(catalogue));
  return catalogue;
}

// A code as typed (any case, spaces around it) in the one spelling the server accepts.
export function canonicalCode(code: string): string {
  const c = code.trim().toLowerCase();
  return /^p[co]1-/.test(c) ? `${c.slice(0, 3).toUpperCase()}${c.slice(3)}` : c;
}

// An offline code (PO1-…), made on the household's phone without a link (OFFLINE.md).
export function isOfflineCode(code: string): boolean {
  return code.startsWith('PO1-');
}

// A payment code's text names its village and household (PC1-<village>-<household>-..., or
// PO1-… for an offline code).
export function householdOfCode(code: string, village: number): number | string {
  const m = /^P[CO]1-(\d+)-(\d+)-[0-9a-f]+-[0-9a-f]{16}$/.exec(canonicalCode(code));
  if (!m) return '这不是付款码。请扫顾客手机上的付款码，或照着付款码下面的文字输入。';
  if (Number(m[1]) !== village) return '这是别的村的付款码，本店不能收。';
  return Number(m[2]);
}
