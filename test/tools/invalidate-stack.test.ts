import { DISTRIBUTION_ID_OUTPUT, StackLookupError, distributionIdFromOutputs } from '../../tools/invalidate/stack';

test('reads the DistributionId output, also under a construct path', () => {
  expect(distributionIdFromOutputs('S', [{ OutputKey: DISTRIBUTION_ID_OUTPUT, OutputValue: 'E1' }])).toBe('E1');
  expect(distributionIdFromOutputs('S', [{ OutputKey: 'Other', OutputValue: 'x' }, { OutputKey: 'CdnDistributionId0A1B2C3D', OutputValue: 'E2' }])).toBe('E2');
  expect(distributionIdFromOutputs('S', [{ OutputKey: 'Mine', OutputValue: 'E3' }], 'Mine')).toBe('E3');
});

test('fails when the output is missing, saying how to add it', () => {
  expect(() => distributionIdFromOutputs('Web', [{ OutputKey: 'Url', OutputValue: 'x' }])).toThrow(
    "stack Web has no 'DistributionId' output (its outputs: Url); add new CfnOutput(stack, 'DistributionId', { value: distribution.distributionId })",
  );
});

test('fails when several outputs could be the distribution', () => {
  expect(() =>
    distributionIdFromOutputs('Web', [
      { OutputKey: 'ADistributionId0A1B2C3D', OutputValue: 'E1' },
      { OutputKey: 'BDistributionId0A1B2C3E', OutputValue: 'E2' },
    ]),
  ).toThrow(StackLookupError);
});
