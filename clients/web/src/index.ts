// The typed client of pointsd over the Connect protocol (server/http/), for the web app and
// for Node. Messages and service descriptors are generated from proto/points/v1 at build time
// (src/gen/, by protoc-gen-es v2); this file adds the token and the resuming balance watch.
//
//   import { createConnectTransport } from '@connectrpc/connect-web';
//   const transport = createConnectTransport({ baseUrl: location.origin,
//                                              interceptors: [bearer(token)] });
//   const villages = createClient(VillageService, transport);
//   const { household } = await villages.getHousehold({ village: 1, household: 1 });
import {
  Code,
  ConnectError,
  createClient,
  type Client,
  type Interceptor,
  type Transport,
} from '@connectrpc/connect';

import { AdminService } from './gen/points/v1/admin_pb.js';
import { AwardService, VillageService } from './gen/points/v1/awards_pb.js';
import { BoardService } from './gen/points/v1/board_pb.js';
import { CommunityService } from './gen/points/v1/community_pb.js';
import { LedgerService, type BalanceChange } from './gen/points/v1/ledger_pb.js';
import { ShopService } from './gen/points/v1/shops_pb.js';
import { TaskService } from './gen/points/v1/tasks_pb.js';

export * from './gen/points/v1/admin_pb.js';
export * from './gen/points/v1/awards_pb.js';
export * from './gen/points/v1/board_pb.js';
export * from './gen/points/v1/community_pb.js';
export * from './gen/points/v1/ledger_pb.js';
export * from './gen/points/v1/shops_pb.js';
export * from './gen/points/v1/tasks_pb.js';
export { Code, ConnectError, createClient };
export { create, equals, fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf';

// Every service pointsd serves, for tools that walk them all.
export const services = [
  LedgerService,
  VillageService,
  AwardService,
  BoardService,
  ShopService,
  TaskService,
  AdminService,
  CommunityService,
] as const;

// Sends `Authorization: Bearer <token>` with every call (server/AUTHZ.md).
export function bearer(token: string): Interceptor {
  return (next) => async (request) => {
    request.header.set('Authorization', `Bearer ${token}`);
    return next(request);
  };
}

// A client for each service over one transport.
export function createPointsClients(transport: Transport) {
  return {
    ledger: createClient(LedgerService, transport),
    villages: createClient(VillageService, transport),
    awards: createClient(AwardService, transport),
    board: createClient(BoardService, transport),
    shops: createClient(ShopService, transport),
    tasks: createClient(TaskService, transport),
    admin: createClient(AdminService, transport),
    community: createClient(CommunityService, transport),
  };
}

export interface WatchOptions {
  // Start after this change (its timestamp, nanoseconds); 0n: from each account's first.
  afterTimestamp?: bigint;
  // Ends the watch.
  signal?: AbortSignal;
  // The wait before resuming a dropped stream, doubled up to maxDelayMs.
  delayMs?: number;
  maxDelayMs?: number;
  // Called before each resume, with the error that ended the stream.
  onResume?: (error: unknown, afterTimestamp: bigint) => void;
}

// Codes after which a watch resumes: the server went away (a drain, a restart, a dropped
// link). Any other code (a bad id, a revoked token) ends it.
const kResumable = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.Aborted]);

// Every balance change of `accountIds`, resuming after a drop from the last change received:
// nothing missed, nothing twice (ledger.proto, WatchAccounts). Ends when `signal` aborts.
export async function* watchAccounts(
  ledger: Client<typeof LedgerService>,
  accountIds: Uint8Array[],
  options: WatchOptions = {},
): AsyncGenerator<BalanceChange> {
  let cursor = options.afterTimestamp ?? 0n;
  const first = options.delayMs ?? 200;
  let delay = first;
  for (;;) {
    try {
      const stream = ledger.watchAccounts(
        { accountIds, afterTimestamp: cursor },
        { signal: options.signal },
      );
      for await (const response of stream) {
        delay = first;
        for (const change of response.changes) {
          cursor = change.timestamp;
          yield change;
        }
      }
      throw new ConnectError('the stream ended', Code.Unavailable);
    } catch (error) {
      if (options.signal?.aborted) return;
      const code = ConnectError.from(error).code;
      if (!kResumable.has(code)) throw error;
      options.onResume?.(error, cursor);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
