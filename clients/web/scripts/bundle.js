// Bundles the web app (app/, Preact) with esbuild into www/, the folder pointsd serves with
// --web-root: assets/app-HASH.js and .css (cached for a year: their names change with their
// content), index.html naming them, the committee's console (app/console/) as its own entry,
// assets/console-HASH.js and .css named by console/index.html (so the household page stays
// small), the manifest and icons, a FILE.gz beside every file (pointsd
// sends it to clients that take gzip); beside it bundle-meta.json (esbuild's metafile, for
// bench/web-bundle-size). Run by `npm run build`, after the client is generated.
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
const result = await esbuild.build({
  entryPoints: {
    app: path.join(web, 'app', 'main.tsx'),
    console: path.join(web, 'app', 'console', 'main.tsx'),
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
// The script and stylesheet of each entry, from the metafile.
const assetsOf = (entry) => {
  const [js, { cssBundle }] = Object.entries(result.metafile.outputs).find(
    ([, o]) => o.entryPoint && path.resolve(o.entryPoint) === entry,
  );
  return [js, cssBundle].map((f) => path.relative(out, path.resolve(f)));
};
const page = (entry, title) => {
  const [script, style] = assetsOf(entry);
  return fs
    .readFileSync(path.join(publicDir, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/${script}`)
    .replace('%STYLE%', `/${style}`)
    .replace(/<title>[^<]*<\/title>/, title ? `<title>${title}</title>` : '$&');
};
const [script, style] = assetsOf(path.join(web, 'app', 'main.tsx'));
fs.writeFileSync(path.join(out, 'index.html'), page(path.join(web, 'app', 'main.tsx')));
fs.mkdirSync(path.join(out, 'console'));
fs.writeFileSync(
  path.join(out, 'console', 'index.html'),
  page(path.join(web, 'app', 'console', 'main.tsx'), '村委会工作台'),
);
for (const name of fs.readdirSync(publicDir)) {
  if (name !== 'index.html') fs.copyFileSync(path.join(publicDir, name), path.join(out, name));
}
for (const size of [192, 512]) fs.writeFileSync(path.join(out, `icon-${size}.png`), icon(size));
// Beside the served folder, not in it.
fs.writeFileSync(path.join(web, 'bundle-meta.json'), JSON.stringify(result.metafile));

for (const file of walk(out)) {
  if (file.endsWith('.png')) continue;
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
}
console.log(`bundled ${script} and ${style} into ${path.relative(process.cwd(), out) || out}`);

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
