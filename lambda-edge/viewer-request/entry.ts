import type { ViewerRequestConfig } from '../shared/config';
import { createAuthenticator } from './auth';
import { refuseNonCanonical } from './guard';
import { composeHandler } from './index';

declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
// Inlined by lib/edge/bundle.ts: when false, esbuild drops the verifier from the bundle.
declare const __TIERED_CDN_HAS_AUTH__: boolean;
declare const __TIERED_CDN_HAS_GUARD__: boolean;

export const handler = composeHandler(
  __TIERED_CDN_CONFIG__,
  __TIERED_CDN_HAS_AUTH__ ? createAuthenticator : undefined,
  {},
  __TIERED_CDN_HAS_GUARD__ ? refuseNonCanonical : undefined,
);
