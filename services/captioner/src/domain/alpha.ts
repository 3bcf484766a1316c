/**
 * Turning decoded RGBA into RGB, the two ways Hugging Face code does it.
 *
 * - `drop` (default): what `transformers.image_transforms.convert_to_rgb` (used by BLIP's and
 *   ViT's image processors) and the pipelines' `load_image` do — PIL `image.convert("RGB")`, which
 *   discards the alpha channel and keeps the stored colour of transparent pixels.
 * - `white`: what the Idefics2/Mllama processors' own `convert_to_rgb` do — `Image.alpha_composite`
 *   over opaque white — ported with Pillow's integer arithmetic (AlphaComposite.c).
 */

/** How transparency is removed; see the module comment. */
export type AlphaMode = 'drop' | 'white';

/** Every alpha mode, for configuration parsing. */
export const ALPHA_MODES: readonly AlphaMode[] = ['drop', 'white'];

const PRECISION_BITS = 7;

/** `((a >> 8) + a) >> 8`: Pillow's rounded division by 255 for pre-biased values. */
function shiftForDiv255(a: number): number {
  return ((a >>> 8) + a) >>> 8;
}

/**
 * Packed RGBA (4 bytes per pixel) to packed RGB.
 * @param mode - `drop` keeps R, G, B as stored; `white` composites over opaque white like PIL.
 */
export function rgbaToRgb(rgba: Uint8Array, mode: AlphaMode): Uint8Array {
  const n = rgba.length >>> 2;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    const a = rgba[i + 3];
    if (mode === 'drop' || a === 255) {
      out[j] = rgba[i];
      out[j + 1] = rgba[i + 1];
      out[j + 2] = rgba[i + 2];
    } else if (a === 0) {
      out[j] = out[j + 1] = out[j + 2] = 255;
    } else {
      // Pillow with dst = (255,255,255,255): outa255 = 255*255, coef1 = a*128, coef2 = (255-a)*128.
      const coef1 = a << PRECISION_BITS;
      const coef2 = (255 - a) << PRECISION_BITS;
      const bias = 0x80 << PRECISION_BITS;
      const bg = 255 * coef2 + bias;
      out[j] = shiftForDiv255(rgba[i] * coef1 + bg) >>> PRECISION_BITS;
      out[j + 1] = shiftForDiv255(rgba[i + 1] * coef1 + bg) >>> PRECISION_BITS;
      out[j + 2] = shiftForDiv255(rgba[i + 2] * coef1 + bg) >>> PRECISION_BITS;
    }
  }
  return out;
}
