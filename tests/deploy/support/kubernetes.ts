/**
 * The Kubernetes manifests as data: rendered with `kubectl kustomize` when kubectl is installed, and
 * otherwise (base only) read straight from infra/base with its ConfigMap generated from config.env,
 * so the schema and policy checks run on any machine. Schema validation runs in
 * support/validate-k8s.mjs (kubernetes-models is ESM-only; jest here is CommonJS).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@tit/kit';
import { hasCommand, parseEnvFile, parseYamlDocs, readRepoFile } from './repo-files';

export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const HAS_KUBECTL = hasCommand('kubectl');

/** `kubectl kustomize <dir>` (dir relative to the repository). */
export function kustomize(dir: string): Manifest[] {
  const r = spawnSync('kubectl', ['kustomize', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return parseYamlDocs(r.stdout);
}

/** infra/base without kustomize: its resource files, and the ConfigMap its generator makes (name without hash). */
export function readBaseFiles(dir = 'infra/base'): Manifest[] {
  const k = parse(readRepoFile(`${dir}/kustomization.yaml`)) as {
    resources: string[];
    configMapGenerator?: Array<{ name: string; envs: string[] }>;
  };
  const docs: Manifest[] = k.resources.flatMap((r) => parseYamlDocs(readRepoFile(`${dir}/${r}`)));
  for (const gen of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(gen.envs.flatMap((e) => [...parseEnvFile(readRepoFile(`${dir}/${e}`))]));
    docs.unshift({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data });
  }
  return docs;
}

/** The base as kubectl renders it, or read from its files when kubectl is missing. */
export function renderBase(): { docs: Manifest[]; via: 'kubectl kustomize' | 'files' } {
  return HAS_KUBECTL
    ? { docs: kustomize('infra/base'), via: 'kubectl kustomize' }
    : { docs: readBaseFiles(), via: 'files' };
}

export interface Validation {
  index: number;
  kind: string;
  name: string;
  ok: boolean;
  errors: string[];
}

/** Validates manifests against the Kubernetes API schemas (kubernetes-models), one result each. */
export function validateManifests(docs: readonly Manifest[]): Validation[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tit-k8s-')), 'manifests.json');
  fs.writeFileSync(file, JSON.stringify(docs));
  try {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs'), file], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`validate-k8s.mjs failed: ${r.stderr}`);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Validation);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export const find = (docs: readonly Manifest[], kind: string, name: string): Manifest | undefined =>
  docs.find((d) => d.kind === kind && (d.metadata?.name === name || baseName(d) === name));

/** A generated object's name without kustomize's hash suffix. */
export const baseName = (d: Manifest): string => String(d.metadata?.name ?? '').replace(/-[a-z0-9]{10}$/, '');

/** Pod template of a workload (Deployment, StatefulSet, Job). */
export const podSpecOf = (d: Manifest): Manifest => d.spec?.template?.spec ?? {};

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

/** cpu ("500m", "2") in millicores, memory ("512Mi", "1Gi", "1000M") in bytes. */
export function quantity(q: string | number): number {
  const s = String(q);
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const factor: Record<string, number> = {
    '': 1,
    m: 0.001,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return n * factor[unit];
}
