/**
 * Imported before @tit/kit by tests that resolve through support/tiny-dns.ts: grpc-js reads this
 * switch once, when it loads, and then resolves `dns://<server>/<name>:<port>` targets with c-ares
 * against that server instead of the system resolver. (jest gives each test file its own module
 * registry, so only the importing file's grpc-js sees it; the file removes it again in afterAll.)
 */
process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true';
