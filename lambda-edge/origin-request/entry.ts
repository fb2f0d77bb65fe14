import type { OriginRequestConfig } from '../shared/config';
import { createHandler } from './index';

declare const __TIERED_CDN_CONFIG__: OriginRequestConfig;
export const handler = createHandler(__TIERED_CDN_CONFIG__);
