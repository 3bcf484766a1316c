/**
 * Readers for the deployment files the deploy tests check: .env, docker-compose.yml, the Dockerfile,
 * pnpm-workspace.yaml and the packages' manifests. Plain parsing, no Docker or cluster needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '@tit/kit';

export const repoPath = (...parts: string[]): string => path.join(REPO_ROOT, ...parts);
export const readRepoFile = (rel: string): string => fs.readFileSync(repoPath(rel), 'utf8');

/** Parses a compose-style .env file: KEY=VALUE lines, # comments, no interpolation (compose v1 does none). */
export function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`.env line ${i + 1} is not KEY=VALUE: ${raw}`);
    if (vars.has(m[1])) throw new Error(`.env defines ${m[1]} twice`);
    vars.set(m[1], m[2]);
  });
  return vars;
}

/** One `${VAR}`, `${VAR:-default}`, `${VAR:?err}` or `$VAR` reference in a compose string (`$$` is an escape). */
export interface VarRef {
  name: string;
  hasDefault: boolean;
}

export function composeVarRefs(value: string): VarRef[] {
  const refs: VarRef[] = [];
  const re = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)((?::?[-?])[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  for (const m of value.matchAll(re)) {
    if (m[0] === '$$') continue;
    if (m[1]) refs.push({ name: m[1], hasDefault: m[2] !== undefined && /^:?-/.test(m[2]) });
    else if (m[3]) refs.push({ name: m[3], hasDefault: false });
  }
  return refs;
}

/** Replaces `${VAR}` and `$VAR` with values from `vars` and `$$` with `$`, as compose does. */
export function interpolate(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced: string | undefined, def: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = braced ?? bare ?? '';
      const v = vars.get(name);
      return v === undefined || (v === '' && def !== undefined) ? (def ?? '') : v;
    },
  );
}

/** Every string inside a parsed YAML/JSON value, with its path. */
export function* stringsIn(value: unknown, at = ''): Generator<{ path: string; value: string }> {
  if (typeof value === 'string') yield { path: at, value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsIn(v, `${at}[${i}]`);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      yield* stringsIn(k, `${at}.<key>`);
      yield* stringsIn(v, `${at}.${k}`);
    }
}

/** docker-compose.yml as compose reads it (YAML merge keys `<<` resolved). */
export function readCompose(): ComposeFile {
  return parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; start_period?: string };
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** All YAML documents of a multi-document string, as plain objects (empty documents dropped). */
export function parseYamlDocs(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors.map((e) => e.message).join('; '));
      return d.toJS() as Record<string, unknown> | null;
    })
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}

export interface PackageManifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  packageManager?: string;
}

export const readManifest = (dir: string): PackageManifest =>
  JSON.parse(readRepoFile(path.join(dir, 'package.json'))) as PackageManifest;

/** The workspace packages pnpm-workspace.yaml lists: folder (relative to the repo) -> manifest. */
export function workspacePackages(): Map<string, PackageManifest> {
  const ws = parse(readRepoFile('pnpm-workspace.yaml')) as { packages: string[] };
  const out = new Map<string, PackageManifest>();
  for (const pattern of ws.packages) {
    const dirs = pattern.endsWith('/*')
      ? fs
          .readdirSync(repoPath(pattern.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${pattern.slice(0, -2)}/${e.name}`)
      : [pattern];
    for (const dir of dirs) if (fs.existsSync(repoPath(dir, 'package.json'))) out.set(dir, readManifest(dir));
  }
  return out;
}

/** The folder of the workspace package that contains `file` (longest matching folder). */
export function packageDirOf(
  file: string,
  packages: ReadonlyMap<string, PackageManifest>,
): string | undefined {
  return [...packages.keys()].filter((d) => file.startsWith(`${d}/`)).sort((a, b) => b.length - a.length)[0];
}

/** `dir` plus the folders of every workspace package it depends on (transitively, `workspace:` ranges). */
export function workspaceClosure(dir: string, packages: ReadonlyMap<string, PackageManifest>): string[] {
  const byName = new Map([...packages].map(([d, m]) => [m.name, d]));
  const seen = new Set<string>();
  const visit = (d: string): void => {
    if (seen.has(d)) return;
    seen.add(d);
    const deps = packages.get(d)?.dependencies ?? {};
    for (const [name, range] of Object.entries(deps)) {
      const depDir = byName.get(name);
      if (range.startsWith('workspace:') && depDir) visit(depDir);
    }
  };
  visit(dir);
  return [...seen];
}

export const hasCommand = (cmd: string): boolean =>
  (process.env.PATH ?? '').split(path.delimiter).some((p) => p !== '' && fs.existsSync(path.join(p, cmd)));
