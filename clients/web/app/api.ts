// The clients of pointsd for a session, and what an error means to a villager.
import {
  bearer,
  Code,
  ConnectError,
  createClient,
  createPointsClients,
  LedgerService,
} from '../src/index.js';
import type { Client } from '@connectrpc/connect';

import { ReceiptService } from '../src/gen/points/v1/receipts_pb.js';
import { createConnectTransport } from '../src/web.js';
import type { Session } from './session.js';

export type Clients = ReturnType<typeof createPointsClients> & {
  receipts: Client<typeof ReceiptService>;
};

// Reads and writes get this long before the app says the network is slow and tries again.
const kCallTimeoutMs = 15_000;

// The ledger's client has no deadline: its WatchAccounts stream is meant to stay open.
export function clientsFor(session: Session): Clients {
  const transport = (timeout?: number) =>
    createConnectTransport({
      baseUrl: location.origin,
      interceptors: [bearer(session.token)],
      defaultTimeoutMs: timeout,
    });
  return {
    ...createPointsClients(transport(kCallTimeoutMs)),
    ledger: createClient(LedgerService, transport()),
    receipts: createClient(ReceiptService, transport(kCallTimeoutMs)),
  };
}

export interface Problem {
  // Signed out for good (the token is wrong, revoked, or not for this household).
  fatal: boolean;
  text: string;
}

// An error in words: what happened and what to do.
// `refused`: what to say when the server turned a request down (its own message is English,
// for operators).
export function explain(
  error: unknown,
  refused = '没有办成，请稍后再试，或请村委会帮忙。',
): Problem {
  const e = ConnectError.from(error);
  switch (e.code) {
    case Code.Unauthenticated:
      return {
        fatal: true,
        text: '这个登录码已经失效或不正确。请向村委会要一个新的登录码，然后重新登录。',
      };
    case Code.PermissionDenied:
      return {
        fatal: true,
        text: '这个登录码不能查看这里的内容。请确认用的是自己家的登录码，或请村委会帮忙。',
      };
    case Code.ResourceExhausted:
      return { fatal: false, text: '操作太频繁了，请稍等片刻再试。' };
    case Code.FailedPrecondition:
    case Code.InvalidArgument:
    case Code.AlreadyExists:
    case Code.OutOfRange:
      return { fatal: false, text: refused };
    default:
      return { fatal: false, text: '暂时连不上村里的服务器。请检查网络，稍后会自动重试。' };
  }
}

export function isOffline(error: unknown): boolean {
  const code = ConnectError.from(error).code;
  return (
    code === Code.Unavailable ||
    code === Code.Unknown ||
    code === Code.DeadlineExceeded ||
    code === Code.Internal ||
    code === Code.Canceled
  );
}
