// Original file: embedder/v1/embedder.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
