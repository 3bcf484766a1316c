// Original file: captioner/v1/captioner.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
