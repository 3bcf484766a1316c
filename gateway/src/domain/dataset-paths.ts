/**
 * Path safety for everything the gateway reads from or names on disk. The gateway only serves
 * image files, and only accepts datasets to index, that resolve (symlinks followed) inside one of
 * its allowed roots (DATASET_DIR, DATASETS_ROOT). Index metadata comes from another service, so an
 * `image_path` of `../../etc/passwd` must not become a file read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Whether `candidate` is `root` or inside it (both absolute and normalized). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.realpath(p);
  } catch {
    return undefined;
  }
}

/** The allowed roots with symlinks resolved (a root that does not exist yet keeps its resolved path). */
export async function resolveRoots(roots: readonly (string | undefined)[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    if (!r) continue;
    const abs = path.resolve(r);
    out.push((await realpathOrUndefined(abs)) ?? abs);
  }
  return [...new Set(out)];
}

/**
 * The real path of `relPath` under `datasetRoot`, or undefined when the dataset root is not inside
 * an allowed root, the path escapes the dataset root (`..`, absolute paths, symlinks), or the file
 * does not exist.
 */
export async function resolveDatasetFile(
  allowedRoots: readonly string[],
  datasetRoot: string,
  relPath: string,
): Promise<string | undefined> {
  if (!relPath || !datasetRoot || path.isAbsolute(relPath) || relPath.includes('\0')) return undefined;
  const root = await realpathOrUndefined(path.resolve(datasetRoot));
  if (!root || !allowedRoots.some((r) => isInside(r, root))) return undefined;
  const lexical = path.resolve(root, relPath);
  if (!isInside(root, lexical)) return undefined;
  const real = await realpathOrUndefined(lexical);
  if (!real || !isInside(root, real)) return undefined;
  const stat = await fs.stat(real).catch(() => undefined);
  return stat?.isFile() ? real : undefined;
}

/**
 * Resolves a dataset named in a re-index request: an absolute path, or a path relative to
 * `datasetsRoot`. Returns the real path of an existing folder inside an allowed root, or a reason.
 */
export async function resolveDatasetDir(
  allowedRoots: readonly string[],
  datasetsRoot: string | undefined,
  requested: string,
): Promise<{ ok: true; dir: string } | { ok: false; reason: string }> {
  if (requested.includes('\0')) return { ok: false, reason: 'dataset must be a path' };
  if (!path.isAbsolute(requested) && !datasetsRoot)
    return { ok: false, reason: 'dataset must be an absolute path (DATASETS_ROOT is not set)' };
  const abs = path.resolve(datasetsRoot ?? '/', requested);
  const real = await realpathOrUndefined(abs);
  if (!real || !allowedRoots.some((r) => isInside(r, real)))
    return { ok: false, reason: 'dataset must be an existing folder inside DATASET_DIR or DATASETS_ROOT' };
  const stat = await fs.stat(real).catch(() => undefined);
  if (!stat?.isDirectory()) return { ok: false, reason: 'dataset must be a folder' };
  return { ok: true, dir: real };
}
