import { DEVICE_HEADERS, FORWARDED_PROTO_HEADER, VIEWER_ADDRESS_HEADER, VIEWER_COUNTRY_HEADER } from './names';

// A module of its own: only the local edge reads these spellings, and an object with computed keys
// in names.ts stayed in every CloudFront Function bundle (about 330 bytes of the 10 KB) unused.

/**
 * The CloudFront viewer headers by lower-case name, with the spelling CloudFront gives them in
 * events (`key`). They reach a function or origin only where a cache or origin request policy names them.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html
 */
export const CLOUDFRONT_VIEWER_HEADER_KEYS: Readonly<Record<string, string>> = {
  [VIEWER_COUNTRY_HEADER]: 'CloudFront-Viewer-Country',
  [FORWARDED_PROTO_HEADER]: 'CloudFront-Forwarded-Proto',
  [VIEWER_ADDRESS_HEADER]: 'CloudFront-Viewer-Address',
  [DEVICE_HEADERS.mobile]: 'CloudFront-Is-Mobile-Viewer',
  [DEVICE_HEADERS.tablet]: 'CloudFront-Is-Tablet-Viewer',
  [DEVICE_HEADERS.smarttv]: 'CloudFront-Is-SmartTV-Viewer',
  [DEVICE_HEADERS.desktop]: 'CloudFront-Is-Desktop-Viewer',
};
