// aws-cdk-lib validates every synthesized template with its built-in CloudFormation rules, which
// is most of the CPU time of a test that synthesizes. The suite lints templates with cfn-lint
// instead (test/reference-stack.test.ts, .ci/run), so the built-in pass is skipped here and in
// the synths the tests start.
process.env.CDK_VALIDATION ??= 'false';
