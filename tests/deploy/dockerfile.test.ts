/**
 * infra/docker/Dockerfile builds the workspace layout `pnpm start` runs. Checked by parsing it, and
 * by running each target's build stages without Docker (support/simulate-image.ts) and inspecting
 * the resulting tree. Building real images needs a Docker engine, which this machine does not have.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { Health, REPO_ROOT, newServer, bindServer } from '@tit/kit';
import { CAPTIONER_NODE_FLAGS } from '@tit/captioner/src/node-flags';
import { nodeArgv, PROCESSES } from '@tit/tools/src/start/processes';
import {
  DOCKERFILE,
  DockerIgnore,
  contextCopies,
  execForm,
  isPnpmInstall,
  pnpmFilters,
  readDockerfile,
  stageChain,
} from './support/dockerfile-model';
import {
  packageDirOf,
  readManifest,
  readRepoFile,
  repoPath,
  workspaceClosure,
  workspacePackages,
} from './support/repo-files';
import {
  buildStageOf,
  resolvesInTree,
  runtimeImports,
  simulateImage,
  tsFiles,
  type SimulatedImage,
} from './support/simulate-image';

const model = readDockerfile();
const packages = workspacePackages();
const root = readManifest('.');
const LOADER = ['--import', 'tsx'];

/** Every image: the processes `pnpm start` runs, plus the one-shot model pull. */
const MODELS_ENTRY = 'tools/src/models/cli.ts';
const TARGETS = [
  ...PROCESSES.map((p): { name: string; entry: string; nodeFlags: readonly string[] } => ({ name: p.name, entry: p.entry, nodeFlags: p.nodeFlags ?? [] })),
  { name: 'models', entry: MODELS_ENTRY, nodeFlags: [] },
];

const installOf = (stage: string) => {
  const installs = stageChain(model, stage).flatMap((s) => s.instructions.filter(isPnpmInstall));
  expect(installs).toHaveLength(1);
  return installs[0];
};

describe('infra/docker/Dockerfile (parsed)', () => {
  it('passes the Dockerfile linter of the VS Code Docker tooling (dockerfile-utils) without errors', () => {
    const problems = validate(model.text).map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(problems).toEqual([]);
  });

  it('has one target per process of `pnpm start` plus `models`, each built on the shared runtime stage', () => {
    for (const t of TARGETS) {
      const chain = stageChain(model, t.name).map((s) => s.name);
      expect({ target: t.name, chain }).toEqual({ target: t.name, chain: ['runtime', t.name] });
    }
    expect(model.stage('runtime').base).toBe('${NODE_IMAGE}');
    expect(model.globalArgs.get('NODE_IMAGE')).toBe('node:20-bookworm-slim');
  });

  it('starts each process from the same entry file with the same node flags and loader as pnpm start', () => {
    for (const t of TARGETS) {
      const cmd = model.stage(t.name).instructions.find((i) => i.keyword === 'CMD');
      const argv = cmd && execForm(cmd);
      const expected = ['node', ...t.nodeFlags, ...LOADER, t.entry, ...(t.name === 'models' ? ['pull'] : [])];
      expect({ target: t.name, argv }).toEqual({ target: t.name, argv: expected });
    }
    // What pnpm start runs: the same flags and loader before the entry file.
    for (const p of PROCESSES) {
      expect(nodeArgv(p)).toEqual([...(p.nodeFlags ?? []), ...LOADER, path.join(REPO_ROOT, p.entry)]);
    }
    expect(PROCESSES.find((p) => p.name === 'captioner')?.nodeFlags).toEqual(CAPTIONER_NODE_FLAGS);
    // `pnpm models` runs the same file.
    expect(root.scripts?.models).toBe(`tsx ${MODELS_ENTRY}`);
  });

  it('installs only the production dependencies of the entry’s package and its workspace dependencies, from the frozen lockfile', () => {
    for (const t of TARGETS) {
      const build = buildStageOf(model, t.name);
      const pkgDir = packageDirOf(t.entry, packages);
      expect(pkgDir).toBeDefined();
      const install = installOf(build);
      expect(install.args).toEqual(expect.arrayContaining(['--frozen-lockfile', '--prod']));
      expect(pnpmFilters(install).sort()).toEqual([`${packages.get(pkgDir!)!.name}...`, root.name].sort());
      // Sources: the package, every workspace package it depends on, and the proto files the kit loads.
      const copied = contextCopies(model.stage(build)).flatMap((c) =>
        c.sources.map((s) => s.replace(/\/+$/, '')),
      );
      for (const dir of [...workspaceClosure(pkgDir!, packages), 'proto']) {
        expect({
          target: t.name,
          copies: copied.includes(dir) || copied.some((c) => dir.startsWith(`${c}/`)),
          dir,
        }).toEqual({
          target: t.name,
          copies: true,
          dir,
        });
      }
    }
  });

  it('copies the lockfile, the workspace file and the manifest of every workspace package an image can need', () => {
    const manifests = contextCopies(model.stage('workspace')).flatMap((c) => c.sources);
    expect(manifests).toEqual(
      expect.arrayContaining(['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml']),
    );
    const needed = [...packages.keys()].filter((d) => d !== 'tests');
    for (const dir of needed) expect(manifests).toContain(`${dir}/package.json`);
  });

  it('pins pnpm to package.json’s packageManager, and tsx (the runtime loader) is a production dependency of the root', () => {
    const pinned = model
      .stage('pnpm')
      .instructions.find((i) => i.keyword === 'ARG' && i.args[0].startsWith('PNPM_VERSION='));
    expect(`pnpm@${pinned?.args[0].split('=')[1]}`).toBe(root.packageManager);
    expect(root.dependencies?.tsx).toBeDefined();
    expect(root.devDependencies?.tsx).toBeUndefined();
  });

  it('leaves dependency build scripts off (onnxruntime-node’s postinstall would download GPU binaries)', () => {
    const ws = parse(readRepoFile('pnpm-workspace.yaml')) as { onlyBuiltDependencies?: string[] };
    expect(ws.onlyBuiltDependencies ?? []).not.toContain('onnxruntime-node');
    expect(model.text).not.toMatch(
      /pnpm (rebuild|approve-builds)|--ignore-scripts=false|(?<!p)npm (ci|install)(?! --global)/,
    );
  });

  it('runs as a numeric non-root user, with no model weights, data or secrets in the build context', () => {
    const user = model.stage('runtime').instructions.find((i) => i.keyword === 'USER');
    expect(user?.args[0]).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    for (const t of TARGETS)
      expect(model.stage(t.name).instructions.some((i) => i.keyword === 'USER')).toBe(false);
    const ignore = new DockerIgnore(readRepoFile('.dockerignore'));
    for (const p of [
      '.models',
      '.models/sentence-transformers/x/onnx/model.onnx',
      '.data/search',
      'services/embedder/node_modules',
      '.env',
      '.git',
      'services/search/test/x.test.ts',
    ])
      expect({ p, ignored: ignore.ignores(p) }).toEqual({ p, ignored: true });
    for (const p of [
      'services/kit/src/index.ts',
      'proto/search/v1/search.proto',
      'tools/datasets/sample/captions.txt',
      'tools/src/healthcheck/cli.ts',
    ])
      expect({ p, ignored: ignore.ignores(p) }).toEqual({ p, ignored: false });
    expect(model.text).not.toMatch(/\.onnx|huggingface\.co/);
  });

  it('health-checks each long-running image with the project’s grpc.health.v1 script, and the script needs only the kit', () => {
    for (const t of TARGETS) {
      const hc = model.stage(t.name).instructions.find((i) => i.keyword === 'HEALTHCHECK');
      if (t.name === 'models') {
        expect(hc?.args).toEqual(['NONE']);
        continue;
      }
      expect({ target: t.name, argv: hc && execForm(hc) }).toEqual({
        target: t.name,
        argv: ['node', ...LOADER, 'tools/src/healthcheck/cli.ts', t.name],
      });
      const copied = contextCopies(model.stage(buildStageOf(model, t.name))).flatMap((c) => c.sources);
      expect(copied).toContain('tools/src/healthcheck/');
    }
    for (const file of tsFiles(repoPath('tools/src/healthcheck'))) {
      const imports = runtimeImports(fs.readFileSync(file, 'utf8'));
      expect({ file: path.basename(file), imports: imports.filter((s) => s !== '@tit/kit') }).toEqual({
        file: path.basename(file),
        imports: [],
      });
    }
  });
});

describe('infra/docker/Dockerfile (each target’s build stages run without Docker)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-image-'));
  const images = new Map<string, SimulatedImage>();

  beforeAll(() => {
    for (const t of TARGETS) images.set(t.name, simulateImage(model, t.name, path.join(work, t.name)));
  }, 600_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it.each(TARGETS.map((t) => [t.name, t.entry]))(
    '%s: the entry file is in the image tree and every import it can reach resolves there',
    (name, entry) => {
      const img = images.get(name)!;
      // node [flags] --import tsx <entry> [args]
      expect(img.cmd[img.cmd.indexOf('tsx') + 1]).toBe(entry);
      expect(fs.existsSync(path.join(img.root, entry))).toBe(true);
      const pkgDir = packageDirOf(entry, packages)!;
      const dirs = [
        ...workspaceClosure(pkgDir, packages).map((d) => path.join(d, 'src')),
        'tools/src/healthcheck',
      ];
      const unresolved: string[] = [];
      for (const dir of new Set(dirs))
        for (const file of tsFiles(path.join(img.root, dir))) {
          const source = fs.readFileSync(file, 'utf8');
          for (const spec of runtimeImports(source))
            if (!resolvesInTree(spec, path.dirname(file), img.root))
              unresolved.push(`${path.relative(img.root, file)}: ${spec}`);
          for (const m of source.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
            const base = path.resolve(path.dirname(file), m[1]);
            if (!['', '.ts', '.js', '.json', '/index.ts'].some((ext) => fs.existsSync(base + ext)))
              unresolved.push(`${path.relative(img.root, file)}: ${m[1]}`);
          }
        }
      expect(unresolved).toEqual([]);
      // Nothing but the packages the entry needs (and the health check) was copied in.
      const present = [...packages.keys()].filter((d) => fs.existsSync(path.join(img.root, d, 'src')));
      const allowed = new Set([...workspaceClosure(pkgDir, packages), 'tools']);
      expect(present.filter((d) => !allowed.has(d))).toEqual([]);
    },
  );

  it('no image tree holds dependencies of other packages (production install of one package only)', () => {
    // The search image has neither onnxruntime-node (embedder, captioner) nor fastify (gateway).
    const store = path.join(images.get('search')!.root, 'node_modules/.pnpm');
    const names = fs.readdirSync(store);
    expect(names.some((n) => n.startsWith('onnxruntime-node@'))).toBe(false);
    expect(names.some((n) => n.startsWith('fastify@'))).toBe(false);
    expect(names.some((n) => n.startsWith('tsx@'))).toBe(true);
    expect(names.some((n) => n.startsWith('jest@') || n.startsWith('typescript@'))).toBe(false);
    // Linux only: the onnxruntime-node binaries of other systems are pruned.
    const ort = fs
      .readdirSync(path.join(images.get('embedder')!.root, 'node_modules/.pnpm'))
      .find((n) => n.startsWith('onnxruntime-node@'));
    expect(ort).toBeDefined();
    const bin = path.join(
      images.get('embedder')!.root,
      'node_modules/.pnpm',
      ort!,
      'node_modules/onnxruntime-node/bin',
    );
    const platforms = fs.readdirSync(bin).flatMap((napi) => fs.readdirSync(path.join(bin, napi)));
    expect(platforms).toEqual(['linux']);
  });

  it('runs the health check from an image tree: exit 0 against a SERVING server, 1 against NOT_SERVING', async () => {
    const server = newServer();
    const health = new Health(['embedder.v1.EmbedderService']);
    health.addToServer(server);
    const port = await bindServer(server, '127.0.0.1', 0);
    const img = images.get('search')!;
    const runCheck = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(img.healthcheck![0], [...img.healthcheck!.slice(1, -1), `127.0.0.1:${port}`], {
          cwd: img.root,
          env: { PATH: process.env.PATH, ...img.env },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    try {
      expect(await runCheck()).toEqual({ code: 1, out: expect.stringContaining('NOT_SERVING') as unknown });
      health.set('SERVING');
      expect(await runCheck()).toEqual({ code: 0, out: expect.stringContaining('SERVING') as unknown });
    } finally {
      server.forceShutdown();
    }
  }, 60_000);
});

it('REPO_ROOT is the build context the compose file and the docs use', () => {
  expect(fs.existsSync(path.join(REPO_ROOT, DOCKERFILE))).toBe(true);
});
