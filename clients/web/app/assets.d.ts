declare module '*.css';
// The receipt checks' own bundle (app/verify/check.ts), its URL set by scripts/bundle.js.
declare const __RECEIPT_CHECKS__: string;
