/**
 * The stack `npm run test:integ` deploys: a site with a static and an html route, and a protected
 * dynamic route (`/members/*`, checked by run.ts), all served from the site bucket so no other origin
 * is needed. Every bucket is emptied and deleted with the stack.
 */
import * as path from 'path';
import { App, CfnOutput, RemovalPolicy, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { PathGroups } from '../../lib/path-groups';
import { TieredCdn } from '../../lib/tiered-cdn';
import { loadDevKey } from '../../tools/dev-keys';

const app = new App();
const stackName: string = app.node.tryGetContext('integStackName') ?? 'TieredCdnInteg';
const root = path.resolve(__dirname, '..', '..');
const dev = loadDevKey(root);

const stack = new Stack(app, stackName, { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' } });
const disposable = (id: string, extra: Partial<s3.BucketProps> = {}) =>
  new s3.Bucket(stack, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    ...extra,
  });

const cdn = new TieredCdn(stack, 'Cdn', {
  site: { source: path.join(root, 'site'), bucket: disposable('SiteBucket') },
  // Standard logging (v2) needs no ACLs: the bucket policy the construct adds admits the delivery.
  logBucket: disposable('LogBucket', { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED }),
  routes: [
    { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
    { pathPattern: '*', tier: 'html', origin: 'site' },
    { pathPattern: '/members/*', tier: 'dynamic', origin: 'site', auth: { issuer: dev.issuer, audience: dev.audience, jwks: dev.jwks } },
  ],
});

PathGroups.of(stack).add('html', ['/', '/index.html', '/about.html']);
new CfnOutput(stack, 'DistributionId', { value: cdn.distribution.distributionId });
new CfnOutput(stack, 'DistributionDomainName', { value: cdn.distribution.distributionDomainName });
