import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferenceStack } from '../lib/reference-stack';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key);

new ReferenceStack(app, context('stackName') ?? 'TieredCdnReference', {
  // An explicit region lets Lambda@Edge functions synthesize with no account or credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: context('region') ?? 'us-east-1' },
  apiDomain: context('apiDomain'),
  apiRegion: context('apiRegion'),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
