/**
 * `pnpm models pull [--missing] [names…]`: downloads the default models (all, or those named by id
 * or alias) from the Hugging Face Hub into MODELS_DIR; `--missing` skips models whose files are
 * all present without asking the Hub (what `pnpm start` needs). `pnpm models list`: shows them and whether each is
 * present. Honours HF_ENDPOINT, HF_TOKEN, EMBEDDER_ONNX_FILE and BLIP_ONNX_REPO.
 */
import { ConfigError } from '@tit/kit';
import { loadModelsConfig } from './config';
import { defaultModels } from './default-models';
import { isPresent, modelDir, pullModels, PullError } from './pull';
import { terminalProgress } from './progress';

const USAGE = 'usage: pnpm models pull [--missing] [name…] | pnpm models list   (names: ids or aliases, see `pnpm models list`)';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const onlyMissing = rest.includes('--missing');
  const names = rest.filter((a) => a !== '--missing');
  const unknownFlag = names.find((a) => a.startsWith('-'));
  if (unknownFlag) {
    console.error(`unknown option ${unknownFlag}\n${USAGE}`);
    return 2;
  }
  const config = loadModelsConfig();
  const modelOpts = { embedderOnnxFile: config.EMBEDDER_ONNX_FILE, blipRepo: config.BLIP_ONNX_REPO };
  switch (command) {
    case 'list':
      for (const m of defaultModels(modelOpts)) {
        const state = isPresent(config.MODELS_DIR, m) ? 'present' : m.repo ? 'missing' : 'missing (needs export)';
        console.log(`${m.alias.padEnd(9)} ${m.id.padEnd(40)} ${m.service.padEnd(10)} ${state.padEnd(23)} ${modelDir(config.MODELS_DIR, m.id)}`);
      }
      return 0;
    case 'pull': {
      const results = await pullModels({
        modelsDir: config.MODELS_DIR,
        hubUrl: config.HF_ENDPOINT.replace(/\/+$/, ''),
        token: config.HF_TOKEN,
        names,
        onlyMissing,
        ...modelOpts,
        progress: terminalProgress(),
        say: (line) => console.log(line),
      });
      for (const r of results) console.log(`${r.id}: ${r.status} (${r.dir})`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof PullError || err instanceof ConfigError || (err instanceof Error && /^unknown model/.test(err.message))) {
      console.error(`models: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exit(1);
  },
);
