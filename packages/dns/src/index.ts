export { normalizeName, labelCount, stripSearchDomains, expandName } from './names.js';
export { rewriteAnswerNames } from './rewrite.js';
export type { NamedRecord } from './rewrite.js';
export { TtlCache } from './cache.js';
export type { CacheHit, TtlCacheOptions } from './cache.js';
export { queryUpstream, UpstreamError } from './upstream.js';
export type { Upstream, DnsQuestion, QueryOptions } from './upstream.js';
export { parseResolvConf } from './resolv-conf.js';
export type { ResolvConf } from './resolv-conf.js';
