// The household page's first load in bytes: the JavaScript and CSS it fetches (clients/web/www,
// `npm run build`), raw and after gzip (as pointsd sends them, from the .gz beside each file),
// against the budget of 150 KB after gzip, with the bundle's breakdown by source (from
// esbuild's metafile, minified bytes before gzip).
//
//   node bench/web-bundle-size.mjs [--json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(REPO, 'clients', 'web');
const WWW = path.join(WEB, 'www');
const BUDGET_BYTES = 150 * 1024;

const html = fs.readFileSync(path.join(WWW, 'index.html'), 'utf8');
// Each asset once: the page preloads its stylesheet and links it, one fetch for the two.
const assets = [
  ...new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])),
];
const files = assets.map((name) => {
  const raw = fs.readFileSync(path.join(WWW, name));
  const gz = fs.existsSync(path.join(WWW, `${name}.gz`))
    ? fs.readFileSync(path.join(WWW, `${name}.gz`)).length
    : zlib.gzipSync(raw, { level: 9 }).length;
  return { name, bytes: raw.length, gzip: gz };
});
const total = files.reduce((sum, f) => sum + f.gzip, 0);

// Minified bytes per source group: a package, the generated client, the app.
const meta = JSON.parse(fs.readFileSync(path.join(WEB, 'bundle-meta.json'), 'utf8'));
const groups = {};
// The household page's outputs only (the console is a bundle of its own).
const pageOutputs = Object.entries(meta.outputs).filter(([file]) =>
  assets.some((name) => file.endsWith(name)),
);
for (const [, output] of pageOutputs) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const group = pkg
      ? pkg[1]
      : input.includes('src/gen/')
        ? 'generated client (src/gen)'
        : input.includes('/src/')
          ? 'client (src)'
          : 'app';
    groups[group] = (groups[group] ?? 0) + bytesInOutput;
  }
}
const breakdown = Object.entries(groups).sort((a, b) => b[1] - a[1]);

if (process.argv.includes('--json')) {
  console.log(
    JSON.stringify({
      files,
      gzip_total: total,
      budget: BUDGET_BYTES,
      breakdown,
    }),
  );
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const f of files)
    console.log(`${f.name.padEnd(28)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzip).padStart(8)}`);
  console.log(
    `household page, JS + CSS after gzip: ${kb(total)} (budget ${kb(BUDGET_BYTES)}): ` +
      (total <= BUDGET_BYTES ? 'within' : 'OVER'),
  );
  console.log('minified bytes by source:');
  for (const [group, bytes] of breakdown)
    console.log(`  ${group.padEnd(30)} ${kb(bytes).padStart(9)}`);
}
process.exitCode = total <= BUDGET_BYTES ? 0 : 1;
