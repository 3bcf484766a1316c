/**
 * docker-compose.yml and .env, checked without a Docker engine: the file parses, refers only to
 * defined services, volumes and .env variables, passes each process only variables its config
 * schema reads, and orders start-up with health conditions. `docker-compose config` (Debian's
 * docker-compose 1.29) validates it as well when it is installed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { REPO_ROOT } from '@tit/kit';
import { schema as embedderSchema } from '@tit/embedder/src/config';
import { schema as searchSchema } from '@tit/search/src/config';
import { schema as captionerSchema } from '@tit/captioner/src/config';
import { schema as indexerSchema } from '@tit/indexer/src/config';
import { schema as gatewaySchema } from '@tit/gateway/src/config';
import { schema as modelsSchema } from '@tit/tools/src/models/config';
import { PROCESSES } from '@tit/tools/src/start/processes';
import { readDockerfile } from './support/dockerfile-model';
import {
  composeVarRefs,
  hasCommand,
  interpolate,
  parseEnvFile,
  readCompose,
  readRepoFile,
  repoPath,
  stringsIn,
  type ComposeService,
} from './support/repo-files';

const compose = readCompose();
const envFile = parseEnvFile(readRepoFile('.env'));
const services = compose.services;
const OURS = ['embedder', 'search', 'captioner', 'indexer', 'gateway'] as const;

/** The variables each process reads (its config schema), so compose passes nothing it would ignore. */
const SCHEMAS: Record<string, Record<string, unknown>> = {
  embedder: embedderSchema,
  search: searchSchema,
  captioner: captionerSchema,
  indexer: indexerSchema,
  gateway: gatewaySchema,
  // The models service also feeds its shell command (the pull marker).
  models: { ...modelsSchema, MODELS_PULL: true, MODELS_REVISION: true },
};

const hostOf = (addr: string): string => addr.replace(/^dns:\/\/\//, '').replace(/:\d+$/, '');
const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), envFile)]),
  );

describe('docker-compose.yml', () => {
  it('defines redis, the one-shot models pull and every process pnpm start runs', () => {
    expect(Object.keys(services).sort()).toEqual([
      'captioner',
      'embedder',
      'gateway',
      'indexer',
      'models',
      'redis',
      'search',
    ]);
    expect(PROCESSES.map((p) => p.name).sort()).toEqual([...OURS].sort());
  });

  it('refers only to variables defined in .env (no silent empty substitutions)', () => {
    const undefinedRefs = [...stringsIn(compose)]
      .flatMap((s) => composeVarRefs(s.value).map((r) => ({ ...r, at: s.path })))
      .filter((r) => !r.hasDefault && !envFile.has(r.name))
      .map((r) => `${r.name} at ${r.at}`);
    expect(undefinedRefs).toEqual([]);
    // And .env holds nothing compose does not use (COMPOSE_PROJECT_NAME is read by compose itself).
    const referenced = new Set(
      [...stringsIn(compose)].flatMap((s) => composeVarRefs(s.value).map((r) => r.name)),
    );
    expect([...envFile.keys()].filter((k) => !referenced.has(k) && k !== 'COMPOSE_PROJECT_NAME')).toEqual([]);
  });

  it('refers only to defined services and named volumes, and mounts host folders that exist', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {}))
        expect({ name, dep, defined: dep in services }).toEqual({ name, dep, defined: true });
      for (const v of svc.volumes ?? []) {
        const [source, target] = interpolate(v, envFile).split(':');
        expect(target).toMatch(/^\//);
        if (/^[./]/.test(source))
          expect({ name, source, exists: fs.existsSync(repoPath(source)) }).toEqual({
            name,
            source,
            exists: true,
          });
        else {
          expect({ name, volume: source, declared: declared.has(source) }).toEqual({
            name,
            volume: source,
            declared: true,
          });
          used.add(source);
        }
      }
    }
    expect([...declared].filter((v) => !used.has(v))).toEqual([]);
  });

  it('builds every image from a target of infra/docker/Dockerfile with the repository as context', () => {
    const dockerfile = readDockerfile();
    for (const name of [...OURS, 'models']) {
      const b = services[name].build;
      expect({ name, context: b?.context, dockerfile: b?.dockerfile }).toEqual({
        name,
        context: '.',
        dockerfile: 'infra/docker/Dockerfile',
      });
      expect(dockerfile.stage(b!.target).name).toBe(name);
      expect(interpolate(services[name].image ?? '', envFile)).toBe(
        `${envFile.get('IMAGE_REGISTRY')}/${name}:${envFile.get('IMAGE_TAG')}`,
      );
      // Build args must be ARGs the Dockerfile declares.
      for (const arg of Object.keys(b!.args ?? {})) expect(dockerfile.globalArgs.has(arg)).toBe(true);
    }
  });

  it('passes each process only variables its configuration schema reads', () => {
    for (const name of [...OURS, 'models']) {
      const unknown = Object.keys(services[name].environment ?? {}).filter((k) => !(k in SCHEMAS[name]));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('wires the processes with the addresses and ports of .env, consistently', () => {
    const ports = { embedder: 'EMBEDDER_PORT', search: 'SEARCH_PORT', captioner: 'CAPTIONER_PORT' } as const;
    for (const [svc, portVar] of Object.entries(ports)) {
      for (const addrVar of [
        `${svc.toUpperCase()}_ADDR`,
        ...(svc === 'search' ? ['SEARCH_WRITER_ADDR'] : []),
      ]) {
        const addr = envFile.get(addrVar)!;
        // dns:/// so grpc-js round-robins over every container of a scaled service.
        expect(addr).toBe(`dns:///${svc}:${envFile.get(portVar)}`);
        expect(hostOf(addr) in services).toBe(true);
      }
      expect(envOf(svc)[portVar]).toBe(envFile.get(portVar));
    }
    expect(envFile.get('REDIS_URL')).toBe(`redis://redis:${envFile.get('REDIS_PORT')}`);
    expect(envOf('indexer').INDEXER_PORT).toBe(envFile.get('INDEXER_PORT'));
    expect(envOf('gateway').GATEWAY_PORT).toBe(envFile.get('GATEWAY_PORT'));
    expect(interpolate(services.gateway.ports![0], envFile)).toBe(
      `${envFile.get('GATEWAY_PUBLISH_HOST')}:${envFile.get('GATEWAY_PUBLISH_PORT')}:${envFile.get('GATEWAY_PORT')}`,
    );
    for (const name of ['embedder', 'search', 'captioner', 'indexer'])
      expect(envOf(name).GRPC_HOST).toBe('0.0.0.0');
  });

  it('keeps models, snapshots and the queue in named volumes at the folders the images prepare', () => {
    const dockerfile = readDockerfile();
    const mounts = (name: string) => (services[name].volumes ?? []).map((v) => interpolate(v, envFile));
    expect(mounts('models')).toEqual([`models:${envFile.get('MODELS_DIR')}`]);
    expect(mounts('embedder')).toEqual([`models:${envFile.get('MODELS_DIR')}:ro`]);
    expect(mounts('captioner')).toEqual([`models:${envFile.get('MODELS_DIR')}:ro`]);
    expect(mounts('search')).toEqual([`search-snapshots:${envFile.get('SEARCH_SNAPSHOT_DIR')}`]);
    expect(mounts('redis')).toEqual(['redis-data:/data']);
    for (const name of ['indexer', 'gateway'])
      expect(mounts(name)).toEqual([`${envFile.get('DATASET_HOST_DIR')}:${envFile.get('DATASET_DIR')}:ro`]);
    // The runtime image creates these folders owned by its user, so fresh named volumes are writable.
    const runtime = dockerfile
      .stage('runtime')
      .instructions.map((i) => i.text)
      .join('\n');
    for (const v of ['MODELS_DIR', 'SEARCH_SNAPSHOT_DIR', 'DATASET_DIR']) {
      expect(runtime).toContain(`${v}=${envFile.get(v)}`);
      expect(runtime).toMatch(new RegExp(`chown 1000:1000 .*${envFile.get(v)!.replace(/\//g, '\\/')}`));
    }
    // The dataset is a real dataset folder (Kaggle layout).
    expect(fs.existsSync(repoPath(envFile.get('DATASET_HOST_DIR')!, 'captions.txt'))).toBe(true);
  });

  it('starts the gateway only when redis, the services and the indexer are healthy, and those only after the models pull', () => {
    const cond = (name: string) =>
      Object.fromEntries(Object.entries(services[name].depends_on ?? {}).map(([k, v]) => [k, v.condition]));
    expect(cond('embedder')).toEqual({ models: 'service_completed_successfully' });
    expect(cond('captioner')).toEqual({ models: 'service_completed_successfully' });
    expect(cond('search')).toEqual({ redis: 'service_healthy' });
    expect(cond('indexer')).toEqual({
      redis: 'service_healthy',
      embedder: 'service_healthy',
      captioner: 'service_healthy',
      search: 'service_healthy',
    });
    expect(cond('gateway')).toEqual({
      redis: 'service_healthy',
      embedder: 'service_healthy',
      captioner: 'service_healthy',
      search: 'service_healthy',
      indexer: 'service_healthy',
    });
    expect(services.models.restart).toBe('no');
  });

  it('health-checks every process with the grpc.health.v1 script (gateway: /readyz), and redis with PING', () => {
    for (const name of OURS) {
      const test = services[name].healthcheck?.test;
      expect({ name, test }).toEqual({
        name,
        test: ['CMD', 'node', '--import', 'tsx', 'tools/src/healthcheck/cli.ts', name],
      });
    }
    expect(fs.existsSync(repoPath('tools/src/healthcheck/cli.ts'))).toBe(true);
    expect(services.redis.healthcheck?.test.slice(0, 2)).toEqual(['CMD', 'redis-cli']);
    // Model loading takes a while: the start period covers it.
    for (const name of ['embedder', 'captioner'])
      expect(services[name].healthcheck?.start_period).toBe('180s');
  });

  it('runs the same model pull as the Kubernetes Job, and keeps our containers read-only without capabilities', () => {
    const cmd = services.models.command as string[];
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    // compose writes $$ for a literal $.
    const shell = cmd[2].replace(/\$\$/g, '$');
    expect(shell).toContain('node --import tsx tools/src/models/cli.ts pull $MODELS_PULL');
    expect(readRepoFile('infra/base/jobs.yaml')).toContain(shell);
    for (const name of [...OURS, 'models']) {
      const svc: ComposeService = services[name];
      expect({ name, ro: svc.read_only, caps: svc.cap_drop }).toEqual({ name, ro: true, caps: ['ALL'] });
    }
  });
});

const composeBin = hasCommand('docker-compose') ? 'docker-compose' : undefined;
(composeBin ? it : it.skip)(
  'passes `docker-compose config` (Debian docker-compose 1.29; skipped when not installed)',
  () => {
    const r = spawnSync(composeBin!, ['-f', 'docker-compose.yml', 'config', '--quiet'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  },
);
if (!composeBin)
  console.log(
    'compose.test: docker-compose not installed, `docker-compose config` check skipped (apt-get install docker-compose)',
  );
