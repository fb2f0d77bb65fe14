import type { OriginResponseConfig } from '../shared/config';
import { createHandler } from './index';

declare const __TIERED_CDN_CONFIG__: OriginResponseConfig;
export const handler = createHandler(__TIERED_CDN_CONFIG__);
