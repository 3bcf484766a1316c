/**
 * Node flags the captioner process runs with: `pnpm start`, the Docker image and the benchmark
 * start it with them (tools/src/start/processes.ts, infra/docker/Dockerfile).
 *
 * `--single-threaded-gc`: V8 collects garbage on the main thread, between decoding steps, instead
 * of on helper threads running beside them. A caption keeps ONNX Runtime's intra-op threads on
 * every core; a concurrent marking or sweeping thread then takes a core from one of them in the
 * middle of an operator, and the other waits for it. The collection costs the same either way;
 * what the flag removes is that wait. Measured with the captioner benchmark on 2 vCPUs: the
 * service's CPU time per image over the raw decoding loop on the same sessions went from 1.063-1.099
 * (ViT-GPT2, five runs without the flag) to 1.011-1.034 (four runs with it; BLIP 1.011-1.041). The
 * embedder does not use it: there the main thread is the busy one, and the flag made it slower.
 *
 * `--expose-gc`: lets the model loader collect the decoder file it has read (hundreds of MB) as
 * soon as its split parts are built, before ONNX Runtime copies them (model-loader.ts). Measured on
 * the ViT-GPT2 replica (tests/deploy/support/measure-rss.ts): the start-up peak RSS fell from
 * 3206-3214 MiB, more than the Kubernetes limit of 3 Gi, to 2465 MiB.
 */
export const CAPTIONER_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--expose-gc'];

/** The flags of CAPTIONER_NODE_FLAGS missing from `execArgv` (this process's, by default). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return CAPTIONER_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
