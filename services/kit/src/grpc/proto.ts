import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as EmbedderProto } from '../generated/embedder';
import type { ProtoGrpcType as SearchProto } from '../generated/search';
import type { ProtoGrpcType as CaptionerProto } from '../generated/captioner';

/** The repository's proto/ folder. */
export const PROTO_DIR = path.resolve(__dirname, '../../../../proto');

/**
 * Runtime loader options. `tools/src/proto/gen.ts` passes exactly these to proto-loader-gen-types,
 * so the committed types describe the objects grpc-js really hands out.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
} as const satisfies protoLoader.Options;

/** The proto files and the generated type module name of each. */
export const PROTO_FILES = {
  embedder: 'embedder/v1/embedder.proto',
  search: 'search/v1/search.proto',
  captioner: 'captioner/v1/captioner.proto',
} as const;

const cache = new Map<string, grpc.GrpcObject>();
function load(file: string): grpc.GrpcObject {
  let pkg = cache.get(file);
  if (!pkg) {
    pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, PROTO_LOADER_OPTIONS));
    cache.set(file, pkg);
  }
  return pkg;
}

export const loadEmbedderProto = (): EmbedderProto => load(PROTO_FILES.embedder) as unknown as EmbedderProto;
export const loadSearchProto = (): SearchProto => load(PROTO_FILES.search) as unknown as SearchProto;
export const loadCaptionerProto = (): CaptionerProto => load(PROTO_FILES.captioner) as unknown as CaptionerProto;
