/**
 * Regions where CloudFront runs Origin Shield, and the Origin Shield region the CloudFront
 * Developer Guide recommends for an origin in each AWS Region
 * ("Choosing the AWS Region for Origin Shield").
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html
 */
export const ORIGIN_SHIELD_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'sa-east-1',
];

const RECOMMENDED: Readonly<Record<string, string>> = {
  'af-south-1': 'eu-west-1',
  'ap-east-1': 'ap-southeast-1',
  'ap-northeast-3': 'ap-northeast-1',
  'ca-central-1': 'us-east-1',
  'eu-south-1': 'eu-central-1',
  'eu-west-3': 'eu-west-2',
  'eu-north-1': 'eu-west-2',
  'me-south-1': 'ap-south-1',
};

export function isOriginShieldRegion(region: string): boolean {
  return ORIGIN_SHIELD_REGIONS.includes(region);
}

/** The Origin Shield region for an origin in `originRegion`, or undefined when none is known. */
export function originShieldRegionFor(originRegion: string): string | undefined {
  if (isOriginShieldRegion(originRegion)) return originRegion;
  return RECOMMENDED[originRegion];
}
