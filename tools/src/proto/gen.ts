/**
 * Generates TypeScript types for proto/ with proto-loader-gen-types, passing exactly the options
 * the runtime loader uses (PROTO_LOADER_OPTIONS). `--check` generates into a temporary folder and
 * fails when the committed types differ, so stale types cannot land.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROTO_DIR, PROTO_FILES, PROTO_LOADER_OPTIONS } from '@tit/kit';

const KIT_DIR = path.resolve(__dirname, '../../../services/kit');
const OUT_DIR = path.join(KIT_DIR, 'src/generated');

function flags(): string[] {
  const o = PROTO_LOADER_OPTIONS;
  const out = [`--longs=${o.longs.name}`, `--enums=${o.enums.name}`, '--grpcLib=@grpc/grpc-js'];
  if (o.keepCase) out.push('--keepCase');
  if (o.defaults) out.push('--defaults');
  if (o.oneofs) out.push('--oneofs');
  // Paths relative to proto/ (the cwd), so the generated headers do not embed this checkout's path.
  for (const dir of o.includeDirs) out.push(`--includeDirs=${path.relative(PROTO_DIR, dir) || "."}`);
  return out;
}

function generate(outDir: string): void {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const bin = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js', { paths: [KIT_DIR] });
  execFileSync(process.execPath, [bin, ...flags(), `--outDir=${outDir}`, ...Object.values(PROTO_FILES)], {
    cwd: PROTO_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

function main(): void {
  if (!process.argv.includes('--check')) {
    generate(OUT_DIR);
    console.log(`generated ${listFiles(OUT_DIR).length} files into ${path.relative(process.cwd(), OUT_DIR)}`);
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-gen-'));
  try {
    generate(tmp);
    const want = listFiles(tmp);
    const have = fs.existsSync(OUT_DIR) ? listFiles(OUT_DIR) : [];
    const stale = [...new Set([...want, ...have])].filter((f) => {
      const a = path.join(tmp, f);
      const b = path.join(OUT_DIR, f);
      return !fs.existsSync(a) || !fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b));
    });
    if (stale.length > 0) {
      console.error(`generated gRPC types are stale (${stale.length} files differ: ${stale.slice(0, 5).join(', ')}).`);
      console.error('Run `pnpm proto:gen` and commit the result.');
      process.exit(1);
    }
    console.log(`generated gRPC types are up to date (${want.length} files)`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
