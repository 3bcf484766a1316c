import * as ort from 'onnxruntime-node';
import type { EncoderState } from './onnx-decoder';

/** The vision encoder graph (onnx/encoder_model.onnx) is not one the captioner can run. */
export class EncoderLayoutError extends Error {}

/**
 * The image encoder: `pixel_values` float32 [batch, 3, H, W] → `last_hidden_state`
 * [batch, seq, hidden]. Runs a batch of preprocessed images in one session run.
 */
export class OnnxVisionEncoder {
  private readonly input: string;
  private readonly output: string;
  /** Most images per run: 1 when the graph fixes its batch dimension to 1. */
  readonly maxBatch: number;

  constructor(
    private readonly session: ort.InferenceSession,
    file: string,
  ) {
    const inputs = session.inputNames;
    const outputs = session.outputNames;
    this.input = inputs.includes('pixel_values') ? 'pixel_values' : '';
    this.output = outputs.includes('last_hidden_state') ? 'last_hidden_state' : '';
    if (!this.input || !this.output || inputs.length !== 1) {
      throw new EncoderLayoutError(
        `${file}: unsupported encoder layout (inputs ${inputs.join(', ')}; outputs ${outputs.join(', ')}); ` +
          'expected the single input pixel_values and a last_hidden_state output',
      );
    }
    const meta = session.inputMetadata.find((m) => m.name === this.input);
    const batchDim = meta?.isTensor ? meta.shape[0] : undefined;
    this.maxBatch = typeof batchDim === 'number' ? batchDim : Infinity;
  }

  /** Encodes images of `height`×`width` (each 3×H×W float32, channels first). */
  async encode(images: readonly Float32Array[], height: number, width: number): Promise<EncoderState[]> {
    const plane = 3 * height * width;
    const batch = new Float32Array(images.length * plane);
    images.forEach((img, i) => {
      if (img.length !== plane) throw new Error(`image tensor has ${img.length} values, expected ${plane}`);
      batch.set(img, i * plane);
    });
    const out = await this.session.run({ [this.input]: new ort.Tensor('float32', batch, [images.length, 3, height, width]) }, [this.output]);
    const t = out[this.output];
    const [b, seq, hidden] = t.dims;
    if (b !== images.length || t.dims.length !== 3) throw new Error(`encoder returned [${t.dims.join(', ')}] for ${images.length} images`);
    const data = t.data as Float32Array;
    const size = seq * hidden;
    // Copies, so one request's result does not pin the whole batch's buffer.
    return images.map((_, i) => ({ data: data.slice(i * size, (i + 1) * size), seq, hidden }));
  }
}
