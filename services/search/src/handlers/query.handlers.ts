import { unary, type Logger } from '@tit/kit';
import type { GetImageRequest__Output } from '@tit/kit/src/generated/search/v1/GetImageRequest';
import type { ImageRecord } from '@tit/kit/src/generated/search/v1/ImageRecord';
import type { QueryRequest__Output } from '@tit/kit/src/generated/search/v1/QueryRequest';
import type { QueryResponse } from '@tit/kit/src/generated/search/v1/QueryResponse';
import type { Stats } from '@tit/kit/src/generated/search/v1/Stats';
import type { SearchIndex } from '../domain/search-index';
import { aggregationOf, generationInfoToProto, modeOf } from './proto-mapping';

/** Query, GetImage and GetStats: read-only calls every replica answers. */
export function queryHandlers(log: Logger, index: SearchIndex) {
  return {
    Query: unary<QueryRequest__Output, QueryResponse>(log, 'Query', async (req) => {
      const res = index.query({
        vector: req.vector,
        model: req.model,
        text: req.text,
        k: req.k,
        threshold: req.threshold,
        mode: modeOf(req.mode),
        aggregation: aggregationOf(req.aggregation),
        excludeImageIds: req.excludeImageIds,
        excludeContentHashes: req.excludeContentHashes,
      });
      return { hits: res.hits, generationId: res.generationId, model: res.model };
    }),
    GetImage: unary<GetImageRequest__Output, ImageRecord>(log, 'GetImage', async (req) => index.getImage(req.imageId)),
    GetStats: unary<unknown, Stats>(log, 'GetStats', async () => {
      const s = index.stats();
      return {
        serving: s.serving && generationInfoToProto(s.serving),
        previous: s.previous && generationInfoToProto(s.previous),
        building: s.building.map(generationInfoToProto),
        vectorBytes: s.vectorBytes,
        rssBytes: s.rssBytes,
        approximate: s.approximate,
        snapshotProblems: s.snapshotProblems,
      };
    }),
  };
}
