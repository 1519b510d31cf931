// The transport for browsers: the Connect protocol with fetch, to pointsd's HTTP port.
export { createConnectTransport } from '@connectrpc/connect-web';
