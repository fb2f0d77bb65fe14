import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { BackendsStack } from '../../examples/backends';
import { PLAN_METADATA_KEY } from '../../lib/plan';
import { testOutdir } from '../helpers/stacks';

/** examples/backends.ts: a Function URL with OAC and a VPC origin behind the tiers. */
const app = new App({ outdir: testOutdir() });
const stack = new BackendsStack(app, 'Backends');
const template = Template.fromStack(stack);
const origin = (id: string) => template.toJSON().Resources[Object.keys(template.findResources('AWS::CloudFront::Distribution'))[0]].Properties.DistributionConfig.Origins.find((o: any) => o.Id === id);

test('synthesizes without warnings', () => {
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});

test('the Function URL is reached with a lambda OAC and invoked only on behalf of this distribution', () => {
  expect(origin('render').OriginAccessControlId).toBeDefined();
  template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 'lambda' }) });
  template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
  template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: 'cloudfront.amazonaws.com', SourceArn: Match.anyValue() });
});

test('the internal ALB is a VPC origin over HTTP, with Origin Shield, without the secret header', () => {
  const app = origin('app');
  expect(app.VpcOriginConfig).toBeDefined();
  expect(app.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-1' });
  expect(app.OriginCustomHeaders).toBeUndefined();
  template.hasResourceProperties('AWS::CloudFront::VpcOrigin', { VpcOriginEndpointConfig: Match.objectLike({ OriginProtocolPolicy: 'http-only', HTTPPort: 80 }) });
  template.resourceCountIs('AWS::SecretsManager::Secret', 0);
});

test('the plan names both kinds', () => {
  const kinds = template.toJSON().Metadata[PLAN_METADATA_KEY].origins.map((o: any) => `${o.id}:${o.kind}`);
  expect(kinds).toEqual(['site:site', 'render:function-url-oac', 'app:vpc']);
});
