// Transports for Node (scripts, tests): the Connect protocol over HTTP/1.1 to pointsd's HTTP
// port, and gRPC over HTTP/2 to its gRPC port, so one client can speak either.
export { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
