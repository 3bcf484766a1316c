import fs from 'node:fs/promises';
import path from 'node:path';
import type { Generation } from './generation';
import { readSnapshot, readSnapshotMeta, SnapshotError, writeSnapshot, type LoadedSnapshot } from './snapshot-format';
import type { GenerationMeta } from './generation';

/**
 * The pointer every replica follows: which generation is served and which is the rollback target.
 * Written by the writer after the snapshot it names is durable.
 */
export interface CurrentPointer {
  serving: string;
  previous: string | null;
  updatedAtMs: number;
}

const SNAPSHOT_EXT = '.snap';
const CURRENT = 'CURRENT';
const ID_RE = /^[\w.-]{1,128}$/;

/**
 * A folder of snapshots, shared by the replicas (a volume or network file system):
 *   <id>.snap   one committed generation each (see snapshot-format.ts)
 *   CURRENT     JSON CurrentPointer, replaced atomically (write temporary, fsync, rename)
 *   .tmp-*      files being written; never read
 * Only the writer replica writes here.
 */
export class SnapshotStore {
  constructor(readonly dir: string) {}

  fileOf(id: string): string {
    if (!ID_RE.test(id)) throw new SnapshotError(id, 'not a valid generation id');
    return path.join(this.dir, `${id}${SNAPSHOT_EXT}`);
  }

  async ensureDir(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  async write(gen: Generation): Promise<string> {
    await this.ensureDir();
    const file = this.fileOf(gen.id);
    await writeSnapshot(gen, file);
    return file;
  }

  read(id: string): Promise<LoadedSnapshot> {
    return readSnapshot(this.fileOf(id));
  }

  readMeta(id: string): Promise<GenerationMeta> {
    return readSnapshotMeta(this.fileOf(id));
  }

  /** Ids of the snapshot files present, newest id first. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith(SNAPSHOT_EXT) && !n.startsWith('.'))
      .map((n) => n.slice(0, -SNAPSHOT_EXT.length))
      .filter((id) => ID_RE.test(id))
      .sort()
      .reverse();
  }

  /** The raw CURRENT text, or null when there is none (used to notice changes cheaply). */
  async readCurrentText(): Promise<string | null> {
    try {
      return await fs.readFile(path.join(this.dir, CURRENT), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Parses CURRENT text; throws SnapshotError when it is not a valid pointer. */
  parseCurrent(text: string): CurrentPointer {
    let o: Partial<CurrentPointer>;
    try {
      o = JSON.parse(text) as Partial<CurrentPointer>;
    } catch {
      throw new SnapshotError(CURRENT, 'not valid JSON');
    }
    if (
      !o ||
      typeof o.serving !== 'string' ||
      !ID_RE.test(o.serving) ||
      !(o.previous === null || (typeof o.previous === 'string' && ID_RE.test(o.previous)))
    ) {
      throw new SnapshotError(CURRENT, 'not a valid pointer');
    }
    return { serving: o.serving, previous: o.previous ?? null, updatedAtMs: Number(o.updatedAtMs) || 0 };
  }

  async writeCurrent(p: CurrentPointer): Promise<string> {
    await this.ensureDir();
    const text = JSON.stringify(p);
    const file = path.join(this.dir, CURRENT);
    const tmp = path.join(this.dir, `.tmp-CURRENT-${process.pid}-${Date.now()}`);
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    return text;
  }

  /**
   * Deletes snapshots beyond the `keep` newest, never one in `protect`, and temporary files older
   * than an hour (left by a crashed writer). Returns the deleted ids.
   */
  async prune(protect: ReadonlySet<string>, keep: number): Promise<string[]> {
    const ids = await this.list();
    const deleted: string[] = [];
    for (const id of ids.slice(keep)) {
      if (protect.has(id)) continue;
      await fs.rm(this.fileOf(id), { force: true });
      deleted.push(id);
    }
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.startsWith('.tmp-'))) {
      const st = await fs.stat(path.join(this.dir, n)).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 3_600_000) await fs.rm(path.join(this.dir, n), { force: true });
    }
    return deleted;
  }
}
