// Generates the TypeScript of proto/points/v1 into src/gen/ with protoc and protoc-gen-es
// (v2: messages and the service descriptors that @connectrpc/connect's createClient takes).
// Run by `npm run build`; the generated code is not committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, '..');
const protoRoot = path.resolve(web, '..', '..', 'proto');
const out = path.join(web, 'src', 'gen');
const plugin = path.join(web, 'node_modules', '.bin', 'protoc-gen-es');

const protos = fs
  .readdirSync(path.join(protoRoot, 'points', 'v1'))
  .filter((name) => name.endsWith('.proto'))
  .sort()
  .map((name) => path.join('points', 'v1', name));

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
execFileSync(
  'protoc',
  [
    `--plugin=protoc-gen-es=${plugin}`,
    `-I${protoRoot}`,
    `--es_out=${out}`,
    '--es_opt=target=ts,import_extension=js',
    ...protos,
  ],
  { stdio: 'inherit' },
);
console.log(`generated ${protos.length} files into ${path.relative(process.cwd(), out) || out}`);
