export { startLocalEdge, LocalEdgeError, MAX_URL_BYTES, MAX_REQUEST_HEADER_BYTES, POP_HEADER, VIEWER_COUNTRY_HOOK, VIEWER_PROTOCOL_HOOK, CONTROL_PREFIX } from './server';
export type { LocalEdge, LocalEdgeOptions, LocalEdgeStats } from './server';
export { readDistribution, readStacks, AssemblyError } from './assembly';
export { decideTtl } from './ttl';
export { matchBehavior, pathPatternToRegExp, cacheKey } from './policies';
export { VirtualClock, RealClock } from './clock';
export type { Clock } from './clock';
export * from './model';
