import { clientStream, unary, type Logger } from '@tit/kit';
import type { AbortRequest__Output } from '@tit/kit/src/generated/search/v1/AbortRequest';
import type { BeginGenerationRequest__Output } from '@tit/kit/src/generated/search/v1/BeginGenerationRequest';
import type { CommitRequest__Output } from '@tit/kit/src/generated/search/v1/CommitRequest';
import type { GenerationInfo } from '@tit/kit/src/generated/search/v1/GenerationInfo';
import type { UpsertRequest__Output } from '@tit/kit/src/generated/search/v1/UpsertRequest';
import type { UpsertResponse } from '@tit/kit/src/generated/search/v1/UpsertResponse';
import type { SearchIndex, UpsertChunk } from '../domain/search-index';
import { generationInfoToProto } from './proto-mapping';

async function* chunks(stream: AsyncIterable<UpsertRequest__Output>): AsyncIterable<UpsertChunk> {
  for await (const msg of stream) yield { generationId: msg.generationId, items: msg.items };
}

/** BeginGeneration, Upsert, Commit, Abort, Rollback: the writer's calls (replicas refuse them). */
export function generationHandlers(log: Logger, index: SearchIndex) {
  return {
    BeginGeneration: unary<BeginGenerationRequest__Output, GenerationInfo>(log, 'BeginGeneration', async (req) =>
      generationInfoToProto(
        index.begin({ model: req.model, dimensions: req.dimensions, dataset: req.dataset, buildKey: req.buildKey }),
      ),
    ),
    Upsert: clientStream<UpsertRequest__Output, UpsertResponse>(log, 'Upsert', (stream) => index.upsert(chunks(stream))),
    Commit: unary<CommitRequest__Output, GenerationInfo>(log, 'Commit', async (req) =>
      generationInfoToProto(await index.commit(req.generationId)),
    ),
    Abort: unary<AbortRequest__Output, GenerationInfo>(log, 'Abort', async (req) =>
      generationInfoToProto(index.abort(req.generationId)),
    ),
    Rollback: unary<unknown, GenerationInfo>(log, 'Rollback', async () => generationInfoToProto(await index.rollback())),
  };
}
