import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, Output } from '@aws-sdk/client-cloudformation';
import type { PathGroupsDocument } from '../../lib/path-groups';
import { groupsFromTemplate } from './groups';
import { CliError } from '../errors';
import { DISTRIBUTION_ID_OUTPUT } from './defaults';

export { DISTRIBUTION_ID_OUTPUT };

export class StackLookupError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'StackLookupError';
  }
}

/** Picks the distribution id from a stack's outputs; pure, so the matching rules are testable. */
export function distributionIdFromOutputs(stackName: string, outputs: readonly Output[], outputKey?: string): string {
  const byKey = (k: string) => outputs.find((o) => o.OutputKey === k);
  if (outputKey !== undefined) {
    const out = byKey(outputKey);
    if (!out?.OutputValue) {
      throw new StackLookupError(`stack ${stackName} has no output '${outputKey}'; its outputs: ${listKeys(outputs)}`);
    }
    return out.OutputValue;
  }
  const exact = byKey(DISTRIBUTION_ID_OUTPUT);
  if (exact?.OutputValue) return exact.OutputValue;
  const candidates = outputs.filter((o) => o.OutputKey && /DistributionId[0-9A-F]{8}$/.test(o.OutputKey) && o.OutputValue);
  if (candidates.length === 1) return candidates[0].OutputValue!;
  if (candidates.length > 1) {
    throw new StackLookupError(
      `stack ${stackName} has several distribution outputs (${candidates.map((c) => c.OutputKey).join(', ')}); pick one with --output-key`,
    );
  }
  throw new StackLookupError(
    `stack ${stackName} has no '${DISTRIBUTION_ID_OUTPUT}' output (its outputs: ${listKeys(outputs)}); add new CfnOutput(stack, '${DISTRIBUTION_ID_OUTPUT}', { value: distribution.distributionId }), name another output with --output-key, or pass --distribution`,
  );
}

function listKeys(outputs: readonly Output[]): string {
  return outputs.length === 0 ? '(none)' : outputs.map((o) => o.OutputKey).join(', ');
}

export interface DeployedStack {
  readonly distributionId: string;
  /** Reads the path groups from the deployed template, or undefined when it carries none. */
  readonly pathGroups: () => Promise<PathGroupsDocument | undefined>;
}

export async function describeDeployedStack(client: CloudFormationClient, stackName: string, outputKey?: string): Promise<DeployedStack> {
  let outputs: Output[];
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = out.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    throw new StackLookupError(`cannot describe stack '${stackName}': ${(err as Error).name}: ${(err as Error).message} (check --stack, --region and credentials)`);
  }
  return {
    distributionId: distributionIdFromOutputs(stackName, outputs, outputKey),
    pathGroups: async () => {
      let body: string | undefined;
      try {
        body = (await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody;
      } catch (err) {
        throw new StackLookupError(`cannot read the template of stack '${stackName}': ${(err as Error).name}: ${(err as Error).message} (needs cloudformation:GetTemplate, or pass --manifest)`);
      }
      if (!body) return undefined;
      let template: unknown;
      try {
        template = JSON.parse(body);
      } catch {
        // A YAML template is not one CDK wrote, so it carries no path groups.
        return undefined;
      }
      return groupsFromTemplate(template, `deployed template of ${stackName}`);
    },
  };
}
