import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Stack } from 'aws-cdk-lib';
import type { TieredCdnOriginProps } from '../../lib';

/** The backends a platform team has: every kind of aws-cdk-lib origin, created in one stack. */
export function backends(stack: Stack) {
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "fn" });'),
  });
  const url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const privateAlb = new elbv2.ApplicationLoadBalancer(stack, 'PrivateAlb', { vpc, internetFacing: false, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
  const publicAlb = new elbv2.ApplicationLoadBalancer(stack, 'PublicAlb', { vpc, internetFacing: true });
  const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'v1' } });
  api.root.addMethod('GET');
  const bucket = new s3.Bucket(stack, 'Reports');
  const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
  httpApi.addStage('Live', { stageName: 'live', autoDeploy: true });
  return { fn, url, privateAlb, publicAlb, api, bucket, httpApi };
}


/** One origin of each kind, by the ids the tests route to. */
export function originsOfEveryKind(stack: Stack, b: ReturnType<typeof backends>): Record<string, TieredCdnOriginProps> {
  return {
    fn: { origin: origins.FunctionUrlOrigin.withOriginAccessControl(b.url), region: 'eu-west-1' },
    vpc: { origin: origins.VpcOrigin.withApplicationLoadBalancer(b.privateAlb, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY }) },
    alb: { origin: new origins.LoadBalancerV2Origin(b.publicAlb), region: 'eu-central-1' },
    rest: { origin: new origins.RestApiOrigin(b.api), originShield: false },
    reports: { origin: origins.S3BucketOrigin.withOriginAccessControl(b.bucket) },
    // An HTTP API has no origin class of its own: its execute-api domain, the stage as origin path.
    http: { origin: new origins.HttpOrigin(`${b.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, { originPath: '/live' }) },
    edge: { domainName: 'api.example.com' },
  };
}
