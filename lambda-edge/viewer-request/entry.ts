import type { ViewerRequestConfig } from '../shared/config';
import { createAuthenticator } from './auth';
import { assignExperiments } from './experiments';
import { refuseNonCanonical } from './guard';
import { composeHandler, NO_EXPERIMENTS } from './index';
import { normalizeRequest } from './normalize';

declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
// Inlined by lib/edge/bundle.ts: when one is false, esbuild drops that step (the verifier, the path
// rules, the query normalization, the bucketing) from the bundle.
declare const __TIERED_CDN_HAS_AUTH__: boolean;
declare const __TIERED_CDN_HAS_GUARD__: boolean;
declare const __TIERED_CDN_HAS_NORMALIZE__: boolean;
declare const __TIERED_CDN_HAS_EXPERIMENTS__: boolean;

export const handler = composeHandler(
  __TIERED_CDN_CONFIG__,
  __TIERED_CDN_HAS_AUTH__ ? createAuthenticator : undefined,
  {},
  __TIERED_CDN_HAS_GUARD__ ? refuseNonCanonical : undefined,
  {
    normalize: __TIERED_CDN_HAS_NORMALIZE__ ? normalizeRequest : undefined,
    experiments: __TIERED_CDN_HAS_EXPERIMENTS__ ? assignExperiments : NO_EXPERIMENTS,
  },
);
