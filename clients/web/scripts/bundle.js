// Bundles the web app (app/, Preact) with esbuild into www/, the folder pointsd serves with
// --web-root: assets/app-HASH.js and .css (cached for a year: their names change with their
// content), index.html naming them, the manifest and icons, a FILE.gz beside every file (pointsd
// sends it to clients that take gzip); beside it bundle-meta.json (esbuild's metafile of the
// household's bundle, for bench/web-bundle-size). The committee's console (app/console/) and the
// shop's terminal (app/terminal/, with the QR decoder) are bundles of their own, so the
// household page stays small: assets/console-HASH.* in console/index.html (served at /console)
// and assets/shop-HASH.* in shop/index.html (served at /shop, with its service worker
// shop-sw.js); the receipt verifier (app/verify/, with SHA-256 and Ed25519) in
// verify/index.html (served at /verify); the same checks alone in assets/checks-HASH.js, which
// the household's page imports only when a receipt is opened (its first load stays small).
// Run by `npm run build`, after the client is generated.
import esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(web, 'www');
const publicDir = path.join(web, 'public');
const kGreen = [10, 92, 50];

fs.rmSync(out, { recursive: true, force: true });
// First, for its name: the app's bundle imports it as __RECEIPT_CHECKS__ (app/assets.d.ts).
const checks = await esbuild.build({
  entryPoints: { checks: path.join(web, 'app', 'verify', 'check.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'safari15'],
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const checksUrl = `/${path.relative(out, path.resolve(Object.keys(checks.metafile.outputs)[0]))}`;
const result = await esbuild.build({
  define: { __RECEIPT_CHECKS__: JSON.stringify(checksUrl) },
  external: [checksUrl],
  entryPoints: {
    app: path.join(web, 'app', 'main.tsx'),
    console: path.join(web, 'app', 'console', 'main.tsx'),
    shop: path.join(web, 'app', 'terminal', 'main.tsx'),
    verify: path.join(web, 'app', 'verify', 'main.tsx'),
  },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'safari15'],
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
// The outputs of one entry point: its script and the stylesheet esbuild wrote beside it.
function outputsOf(entry) {
  const [file, output] = Object.entries(result.metafile.outputs).find(([, o]) =>
    o.entryPoint?.endsWith(entry),
  );
  const relative = (f) => path.relative(out, path.resolve(f));
  return {
    script: relative(file),
    style: relative(output.cssBundle),
    file,
    cssFile: output.cssBundle,
  };
}
const template = fs.readFileSync(path.join(publicDir, 'index.html'), 'utf8');
// The household's page carries the first paint (app/first_paint.ts): the template pointsd fills
// with the balance when the session cookie comes with the request (server/http/first_paint.h),
// the CSS that paint needs inline (pointsd's Content-Security-Policy allows a page's <style> by
// its hash), and the full stylesheet at the end of the body, where it does not hold back the
// paint of what comes before it (the script, deferred, still runs after it has loaded). Every
// other page links its stylesheet in the head, as usual.
const critical = (
  await esbuild.transform(fs.readFileSync(path.join(web, 'app', 'first_paint.css'), 'utf8'), {
    loader: 'css',
    minify: true,
    target: ['chrome100', 'safari15'],
  })
).code.trim();
const firstPaint = fs
  .readFileSync(path.join(web, 'app', 'first_paint.html'), 'utf8')
  .replace(/\s+>/g, '>') // prettier's line breaks, out of the marker and between tags
  .replace(/>\s+/g, '>')
  .replace(/\s+</g, '<')
  .trim();
const page = (o, manifest, title, paint = false) =>
  template
    .replace('%SCRIPT%', `/${o.script}`)
    .replace(
      '%HEAD_STYLE%',
      paint
        ? `<link rel="preload" as="style" href="/${o.style}"><style>${critical}</style>`
        : `<link rel="stylesheet" href="/${o.style}">`,
    )
    .replace('%FIRST_PAINT%', paint ? firstPaint : '')
    .replace('%BODY_STYLE%', paint ? `<link rel="stylesheet" href="/${o.style}">` : '')
    .replace('/manifest.webmanifest', manifest)
    .replace(/<title>[^<]*<\/title>/, title ? `<title>${title}</title>` : '$&');
const app = outputsOf('app/main.tsx');
const shop = outputsOf('app/terminal/main.tsx');
const consolePage = outputsOf('app/console/main.tsx');
const verifyPage = outputsOf('app/verify/main.tsx');
const { script, style } = app;
fs.writeFileSync(path.join(out, 'index.html'), page(app, '/manifest.webmanifest', '', true));
// The board is the same app at /board (pointsd serves DIR/index.html for it), without the
// household's first paint.
fs.mkdirSync(path.join(out, 'board'));
fs.writeFileSync(path.join(out, 'board', 'index.html'), page(app, '/manifest.webmanifest'));
fs.mkdirSync(path.join(out, 'console'));
fs.writeFileSync(
  path.join(out, 'console', 'index.html'),
  page(consolePage, '/manifest.webmanifest', '村委会工作台'),
);
fs.mkdirSync(path.join(out, 'verify'));
fs.writeFileSync(
  path.join(out, 'verify', 'index.html'),
  page(verifyPage, '/manifest.webmanifest', '核对积分凭证'),
);
fs.mkdirSync(path.join(out, 'shop'));
fs.writeFileSync(path.join(out, 'shop', 'index.html'), page(shop, '/shop.webmanifest'));
fs.writeFileSync(path.join(out, 'shop-sw.js'), serviceWorker(shop));
for (const name of fs.readdirSync(publicDir)) {
  if (name !== 'index.html') fs.copyFileSync(path.join(publicDir, name), path.join(out, name));
}
for (const size of [192, 512]) fs.writeFileSync(path.join(out, `icon-${size}.png`), icon(size));
// Beside the served folder, not in it: the household's bundle only (the bench's budget is its).
const householdMeta = {
  inputs: result.metafile.inputs,
  outputs: {
    [app.file]: result.metafile.outputs[app.file],
    [app.cssFile]: result.metafile.outputs[app.cssFile],
  },
};
fs.writeFileSync(path.join(web, 'bundle-meta.json'), JSON.stringify(householdMeta));

for (const file of walk(out)) {
  if (file.endsWith('.png')) continue;
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
}
console.log(`bundled ${script} and ${style} into ${path.relative(process.cwd(), out) || out}`);

// The terminal's service worker: the shell (its page, bundle, manifest and icons) cached at
// install under a name that changes with the bundle, so the terminal opens without a link; the
// page is asked of the network first (a new version arrives when online), the hashed assets of
// the cache first. Calls to pointsd (POST) are never touched: the outbox (app/terminal/outbox.ts)
// is what keeps a sale, not a cached answer.
function serviceWorker(o) {
  const shell = [
    '/shop',
    `/${o.script}`,
    `/${o.style}`,
    '/shop.webmanifest',
    '/icon.svg',
    '/icon-192.png',
  ];
  const cache = `points-shop-${path.basename(o.script, '.js')}`;
  return `// Generated by clients/web/scripts/bundle.js: the shop terminal's service worker.
const kCache = ${JSON.stringify(cache)};
const kShell = ${JSON.stringify(shell)};
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(kCache).then((c) => c.addAll(kShell)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('points-shop-') && n !== kCache).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) caches.open(kCache).then((c) => c.put('/shop', response.clone()));
          return response;
        })
        .catch(() => caches.match('/shop')),
    );
    return;
  }
  if (kShell.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});
`;
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else yield p;
  }
}

// The app icon as a PNG (the manifest's icons for phones that want bitmaps): a white coin on
// the app's green, drawn by pixel.
function icon(size) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // no filter
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x + 0.5 - c, y + 0.5 - c) / size;
      const coin = (r < 0.32 && r > 0.24) || r < 0.12;
      const rgb = coin ? [255, 255, 255] : kGreen;
      raw.set([...rgb, 255], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}
