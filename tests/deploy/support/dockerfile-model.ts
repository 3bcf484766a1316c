/**
 * infra/docker/Dockerfile as data: stages with their instructions (keyword, arguments, flags), parsed
 * with dockerfile-ast (the parser of the VS Code Docker tooling), plus a .dockerignore matcher.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { readRepoFile } from './repo-files';

export const DOCKERFILE = 'infra/docker/Dockerfile';

export interface Instruction {
  keyword: string;
  args: string[];
  flags: Record<string, string>;
  /** Arguments as written (flags excluded), for shell-form commands. */
  text: string;
  line: number;
}

export interface Stage {
  name: string;
  /** Image or stage the stage starts FROM. */
  base: string;
  instructions: Instruction[];
}

export interface DockerfileModel {
  text: string;
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
  stage(name: string): Stage;
}

export function readDockerfile(rel = DOCKERFILE): DockerfileModel {
  const text = readRepoFile(rel);
  const df = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const args = ins.getArguments().map((a) => a.getValue());
    const flags: Record<string, string> = {};
    const withFlags = ins as unknown as {
      getFlags?: () => Array<{ getName(): string; getValue(): string | null }>;
    };
    for (const f of withFlags.getFlags?.() ?? []) flags[f.getName()] = f.getValue() ?? '';
    const entry: Instruction = {
      keyword,
      args,
      flags,
      text: ins.getArgumentsContent() ?? '',
      line: ins.getRange().start.line + 1,
    };
    if (keyword === 'FROM') {
      const asAt = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({
        name: asAt >= 0 ? args[asAt + 1] : `#${stages.length}`,
        base: args[0],
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [k, v = ''] = args[0].split('=');
        globalArgs.set(k, v);
      }
    } else stages[stages.length - 1].instructions.push(entry);
  }
  return {
    text,
    globalArgs,
    stages,
    stage(name: string): Stage {
      const s = stages.find((x) => x.name === name);
      if (!s) throw new Error(`the Dockerfile has no stage ${name}`);
      return s;
    },
  };
}

/** The stage and the stages it is built FROM, root first. */
export function stageChain(model: DockerfileModel, name: string): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = model.stage(name); s; s = model.stages.find((x) => x.name === s?.base)) {
    chain.unshift(s);
    if (chain.length > model.stages.length) throw new Error(`FROM cycle at ${name}`);
  }
  return chain;
}

/** The exec-form (JSON array) command of a CMD/ENTRYPOINT, or of a HEALTHCHECK after its `CMD`. */
export function execForm(ins: Instruction): string[] | undefined {
  const args = ins.keyword === 'HEALTHCHECK' ? ins.args.slice(1) : ins.args;
  if (ins.keyword === 'HEALTHCHECK' && ins.args[0]?.toUpperCase() !== 'CMD') return undefined;
  try {
    const v: unknown = JSON.parse(args.join(' '));
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

const stripQuotes = (s: string): string => s.replace(/^"(.*)"$/, '$1');

/** Values of every `--filter` of a `pnpm install` command line. */
export function pnpmFilters(ins: Instruction): string[] {
  const out: string[] = [];
  ins.args.forEach((a, i) => {
    if (a === '--filter' && ins.args[i + 1]) out.push(stripQuotes(ins.args[i + 1]));
    else if (a.startsWith('--filter=')) out.push(stripQuotes(a.slice('--filter='.length)));
  });
  return out;
}

export const isPnpmInstall = (ins: Instruction): boolean =>
  ins.keyword === 'RUN' && ins.args[0] === 'pnpm' && ins.args[1] === 'install';

/** Local (build-context) COPY instructions: sources and destination. */
export function contextCopies(stage: Stage): Array<{ sources: string[]; dest: string; line: number }> {
  return stage.instructions
    .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !('from' in i.flags))
    .map((i) => ({ sources: i.args.slice(0, -1), dest: i.args[i.args.length - 1], line: i.line }));
}

/**
 * .dockerignore semantics (Docker's fileutils): patterns relative to the context root, `**` for any
 * number of folders, `!` re-includes, the last matching pattern wins, and a path is excluded when
 * it or any folder above it is.
 */
export class DockerIgnore {
  private readonly rules: Array<{ re: RegExp; negate: boolean }>;

  constructor(text: string) {
    this.rules = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const negate = l.startsWith('!');
        const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
        return { re: globToRegExp(pattern), negate };
      });
  }

  ignores(relPath: string): boolean {
    const parts = relPath.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      let excluded = false;
      for (const r of this.rules) if (r.re.test(prefix)) excluded = !r.negate;
      if (excluded) return true;
    }
    return false;
  }
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches anything.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
