/** Public surface of @tit/search for other packages (tests, tools, benchmarks). */
export { buildServer, SEARCH_HEALTH_SERVICE } from './server';
export { createSearchService, type SearchService } from './service';
export { loadServiceConfig, schema, type SearchConfig } from './config';
export { SearchIndex } from './domain/search-index';
export type * from './domain/types';
