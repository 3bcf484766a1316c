import type { Logger } from '@tit/kit';
import { unary } from '@tit/kit';
import type { EmbedRequest__Output } from '@tit/kit/src/generated/embedder/v1/EmbedRequest';
import type { EmbedResponse } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import type { Embedder } from '../domain/embedder';
import { packVectors } from './vector-bytes';

/** Embed: texts in, packed little-endian float32 vectors out. */
export const embedHandler = (log: Logger, embedder: Embedder) =>
  unary<EmbedRequest__Output, EmbedResponse>(log, 'Embed', async (req, ctx) => {
    const out = await embedder.embed(req.texts, req.model, ctx.signal);
    return {
      vectors: packVectors(out.vectors, out.model.dimensions),
      count: out.vectors.length,
      dimensions: out.model.dimensions,
      model: out.model.id,
      tokenCounts: out.tokenCounts,
    };
  });
