// Original file: search/v1/search.proto


export interface GetStatsRequest {
}

export interface GetStatsRequest__Output {
}
