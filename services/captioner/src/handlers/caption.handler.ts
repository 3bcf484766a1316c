import { unary, type Logger } from '@tit/kit';
import type { CaptionRequest__Output } from '@tit/kit/src/generated/captioner/v1/CaptionRequest';
import type { CaptionResponse } from '@tit/kit/src/generated/captioner/v1/CaptionResponse';
import type { GenerationOptions__Output } from '@tit/kit/src/generated/captioner/v1/GenerationOptions';
import type { Captioner } from '../domain/captioner';
import type { GenerationOverrides } from '../domain/generation-config';

/** Proto options (unset optional fields are absent) to domain overrides. */
export function overridesOf(o: GenerationOptions__Output | null): GenerationOverrides {
  if (!o) return {};
  return {
    maxNewTokens: o.maxNewTokens ?? undefined,
    minNewTokens: o.minNewTokens ?? undefined,
    numBeams: o.numBeams ?? undefined,
    repetitionPenalty: o.repetitionPenalty ?? undefined,
    noRepeatNgramSize: o.noRepeatNgramSize ?? undefined,
  };
}

/** captioner.v1.CaptionerService/Caption. */
export function captionHandler(log: Logger, captioner: Captioner) {
  return unary<CaptionRequest__Output, CaptionResponse>(log, 'Caption', async (req, ctx) => {
    const r = await captioner.caption({ image: req.image, model: req.model, options: overridesOf(req.options), signal: ctx.signal });
    ctx.log.debug({ model: r.model, tokens: r.tokens.length, cached: r.cached, timings: r.timings }, 'captioned');
    return {
      caption: r.caption,
      model: r.model,
      tokenCount: r.tokens.length,
      timings: r.timings,
      contentHash: r.contentHash,
      cached: r.cached,
    };
  });
}
