// Original file: search/v1/search.proto


export interface RollbackRequest {
}

export interface RollbackRequest__Output {
}
