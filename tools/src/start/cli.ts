/**
 * `pnpm start`: runs gateway, captioner, embedder, search and indexer as native processes with one
 * prefixed log stream, prints the gateway URL once every health check passes, and stops everything
 * cleanly on Ctrl-C. `--fixtures` runs on tiny generated models (no downloads) for smoke runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, REPO_ROOT, processEnv } from '@tit/kit';
import { childEnv, loadStartConfig, type StartConfig } from './config';
import { pipeWithPrefix } from './log-stream';
import { redisProblem } from './redis-check';
import { System } from './system';

const say = (msg: string): void => void process.stdout.write(`start    | ${msg}\n`);

/** The model folders a normal start needs; missing ones are pulled first. */
const DEFAULT_MODEL_FILES = [
  'sentence-transformers/all-MiniLM-L6-v2/onnx/model.onnx',
  'Salesforce/blip-image-captioning-base/onnx/encoder_model.onnx',
  'nlpconnect/vit-gpt2-image-captioning/onnx/encoder_model.onnx',
];

/** Captioners in order of preference (the first present becomes the default). */
const CAPTIONERS = ['Salesforce/blip-image-captioning-base', 'nlpconnect/vit-gpt2-image-captioning'];

/**
 * BLIP has no public ONNX export (it needs the captioner's export script), so a fresh machine may
 * only have ViT-GPT2: unless CAPTIONER_MODELS is set, serve the captioners that are present.
 */
function captionerModels(modelsDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.CAPTIONER_MODELS) return {};
  const present = CAPTIONERS.filter((id) => fs.existsSync(path.join(modelsDir, id, 'onnx/encoder_model.onnx')));
  if (present.length === 0 || present.length === CAPTIONERS.length) return {};
  say(`captioner models present: ${present.join(', ')} (BLIP needs services/captioner/export; see its README)`);
  return { CAPTIONER_MODELS: present.join(',') };
}

/** Makes sure the models exist; resolves to the models folder to use. */
async function prepareModels(cfg: StartConfig, fixtures: boolean): Promise<string> {
  if (fixtures) {
    // Loaded lazily: the builder is only needed for fixture runs.
    const { ensureFixtureModels } = (await import('../fixtures')) as {
      ensureFixtureModels: (dir: string, size: 'tiny' | 'full') => Promise<unknown>;
    };
    const dir = path.join(REPO_ROOT, '.models/fixtures-tiny');
    say(`building tiny fixture models in ${path.relative(process.cwd(), dir) || dir} (random weights: captions are gibberish)`);
    await ensureFixtureModels(dir, 'tiny');
    return dir;
  }
  const missing = DEFAULT_MODEL_FILES.filter((f) => !fs.existsSync(path.join(cfg.MODELS_DIR, f)));
  if (missing.length > 0) {
    say(`models missing in ${cfg.MODELS_DIR}: pulling them first (pnpm models pull)`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'tools/src/models/cli.ts'), 'pull', '--missing'], {
      stdio: 'inherit',
      env: { ...processEnv(), MODELS_DIR: cfg.MODELS_DIR },
    });
    if (r.status !== 0) {
      say('could not pull the models (see above). To try the plumbing without weights: pnpm start:fixtures');
      process.exit(1);
    }
  }
  return cfg.MODELS_DIR;
}

async function main(): Promise<void> {
  const fixtures = process.argv.includes('--fixtures');
  let cfg: StartConfig;
  try {
    cfg = loadStartConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const problem = await redisProblem(cfg.REDIS_URL);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const modelsDir = await prepareModels(cfg, fixtures);
  const base = processEnv();
  const env = childEnv({ ...cfg, MODELS_DIR: modelsDir }, { ...base, ...captionerModels(modelsDir, base) });

  const system = new System({
    env,
    onOutput: (name, i, out, err) => pipeWithPrefix(name, i, [out, err] as never, process.stdout),
    onUnexpectedExit: (name, code, signal) => {
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`);
      void shutdown(1);
    },
  });
  let shuttingDown = false;
  const shutdown = async (exitCode: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    const results = await system.stop(cfg.SHUTDOWN_GRACE_MS + 4000);
    for (const r of results) say(`${r.name} stopped (${r.signal ?? `code ${r.code}`})`);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  system.start();
  try {
    await system.waitHealthy(cfg.START_TIMEOUT_S * 1000, (pending) => say(`waiting for ${pending.join(', ')}`));
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return shutdown(1);
  }
  say(`all processes are healthy. Text-Image-Text: http://localhost:${cfg.GATEWAY_PORT}/  (API docs: /docs, readiness: /readyz)`);
}

void main();
