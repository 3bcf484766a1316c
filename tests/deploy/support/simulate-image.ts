/**
 * Builds the file tree of one Dockerfile target without Docker: runs the target's build stages in a
 * temporary folder standing in for /app — the same COPY instructions (with .dockerignore applied),
 * the same `pnpm install` (offline, from the repository's pnpm store) and the same shell steps. What is
 * checked afterwards is therefore the layout the image would hold, not a description of it.
 *
 * Not simulated: the base image (node:20-bookworm-slim, this machine runs Node 20 as well), the
 * global pnpm install of the `pnpm` stage (the local pnpm is used; a test checks the pinned version)
 * and the runtime stage's absolute mount-point folders.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';
import {
  DockerIgnore,
  execForm,
  stageChain,
  type DockerfileModel,
  type Instruction,
} from './dockerfile-model';
import { readRepoFile } from './repo-files';

export interface SimulatedImage {
  target: string;
  /** The folder standing in for /app. */
  root: string;
  buildStage: string;
  cmd: string[];
  healthcheck?: string[];
  env: Record<string, string>;
}

const WORKDIR = '/app';

/** The build stage a final target copies /app from (`COPY --from=<stage> /app /app`). */
export function buildStageOf(model: DockerfileModel, target: string): string {
  const copy = model
    .stage(target)
    .instructions.find((i) => i.keyword === 'COPY' && 'from' in i.flags && i.args[0] === WORKDIR);
  if (!copy) throw new Error(`target ${target} copies no ${WORKDIR} from a build stage`);
  return copy.flags.from;
}

function copyFromContext(ins: Instruction, root: string, ignore: DockerIgnore): void {
  const dest = ins.args[ins.args.length - 1];
  const destAbs = path.resolve(root, path.relative(WORKDIR, path.resolve(WORKDIR, dest)));
  for (const src of ins.args.slice(0, -1)) {
    const rel = src.replace(/\/+$/, '');
    if (ignore.ignores(rel)) throw new Error(`line ${ins.line}: COPY ${src} is excluded by .dockerignore`);
    const from = path.join(REPO_ROOT, rel);
    if (!fs.existsSync(from)) throw new Error(`line ${ins.line}: COPY source ${src} does not exist`);
    const filter = (p: string): boolean => !ignore.ignores(path.relative(REPO_ROOT, p) || '.');
    if (fs.statSync(from).isDirectory()) {
      // A folder source copies its contents into the destination folder.
      fs.mkdirSync(destAbs, { recursive: true });
      fs.cpSync(from, destAbs, { recursive: true, filter, verbatimSymlinks: true });
    } else {
      const to = dest.endsWith('/') ? path.join(destAbs, path.basename(rel)) : destAbs;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

let store: string | undefined;
function localStore(): string {
  if (!store) {
    const r = spawnSync('pnpm', ['store', 'path'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pnpm store path failed: ${r.stderr}`);
    store = r.stdout.trim();
  }
  return store;
}

function run(ins: Instruction, root: string): void {
  let cmd: string;
  let args: string[];
  if (ins.args[0] === 'npm' && ins.args.includes('--global')) return; // the pnpm stage's tool install
  if (ins.args[0] === 'pnpm' && ins.args[1] === 'install') {
    // Same command, but offline from the local store: the image's cache-mounted store is not here.
    args = [];
    for (let i = 1; i < ins.args.length; i++) {
      const a = ins.args[i];
      if (a === '--store-dir' || a === '--package-import-method') i++;
      else args.push(a.replace(/^"(.*)"$/, '$1'));
    }
    cmd = 'pnpm';
    // The repository's store, named explicitly: pnpm would otherwise pick a store on the temporary
    // folder's file system when that differs from the repository's, and find nothing offline.
    args.push('--offline', '--store-dir', localStore(), '--reporter', 'silent');
  } else {
    cmd = 'sh';
    args = ['-c', ins.text];
  }
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 180_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `line ${ins.line}: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}

/** Runs the build stages of `target` into `root` and returns what the final image would run. */
export function simulateImage(model: DockerfileModel, target: string, root: string): SimulatedImage {
  const ignore = new DockerIgnore(readRepoFile('.dockerignore'));
  const buildStage = buildStageOf(model, target);
  fs.mkdirSync(root, { recursive: true });
  for (const stage of stageChain(model, buildStage)) {
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          if (ins.args[0] !== WORKDIR) throw new Error(`line ${ins.line}: expected WORKDIR ${WORKDIR}`);
          break;
        case 'COPY':
        case 'ADD':
          if ('from' in ins.flags)
            throw new Error(`line ${ins.line}: a build stage copies from another stage`);
          copyFromContext(ins, root, ignore);
          break;
        case 'RUN':
          run(ins, root);
          break;
        default:
          break;
      }
    }
  }
  const env: Record<string, string> = {};
  let cmd: string[] | undefined;
  let healthcheck: string[] | undefined;
  for (const stage of stageChain(model, target)) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ENV') {
        for (const kv of ins.args) {
          const at = kv.indexOf('=');
          if (at > 0) env[kv.slice(0, at)] = kv.slice(at + 1);
        }
      } else if (ins.keyword === 'CMD') cmd = execForm(ins);
      else if (ins.keyword === 'HEALTHCHECK') healthcheck = execForm(ins);
    }
  }
  if (!cmd) throw new Error(`target ${target} has no exec-form CMD`);
  return { target, root, buildStage, cmd, healthcheck, env };
}

const BUILTINS = new Set(builtinModules);

/** Bare module specifiers a TypeScript file loads at run time (type-only imports are erased by tsx). */
export function runtimeImports(source: string): string[] {
  const specs = new Set<string>();
  const patterns = [
    /^\s*import\s+(?!type\s)(?:[\s\S]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^;'"]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.add(m[1]);
  return [...specs].filter(
    (s) => !s.startsWith('.') && !s.startsWith('node:') && !BUILTINS.has(s.split('/')[0]),
  );
}

const packageNameOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Whether `spec` can be found from `fromDir` the way Node looks for packages (node_modules folders
 * up to `root`), and for a deep import into a TypeScript workspace package, whether the file exists.
 */
export function resolvesInTree(spec: string, fromDir: string, root: string): boolean {
  const name = packageNameOf(spec);
  const sub = spec.slice(name.length);
  for (let dir = fromDir; dir.startsWith(root); dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name);
    if (fs.existsSync(pkgDir)) {
      if (sub === '' || !fs.existsSync(path.join(pkgDir, 'src'))) return true;
      const base = path.join(pkgDir, sub);
      return ['', '.ts', '.js', '/index.ts', '/index.js'].some((ext) => fs.existsSync(base + ext));
    }
    if (dir === root) break;
  }
  return false;
}

/** Every .ts file under `dir` (node_modules folders skipped). */
export function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...tsFiles(p));
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
