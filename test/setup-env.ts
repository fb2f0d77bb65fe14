// aws-cdk-lib validates every synthesized template with its built-in CloudFormation rules, which
// is most of the CPU time of a test that synthesizes. The suite lints templates with cfn-lint
// instead (test/reference-stack.test.ts, .ci/run), so the built-in pass is skipped here and in
// the synths the tests start.
process.env.CDK_VALIDATION ??= 'false';

// Every CloudFormation element records the stack trace of its creation (aws:cdk:creationStack
// metadata, for `cdk synth --debug`); under jest each trace goes through its source-map stack
// formatting, about a third of the CPU of a test that builds many stacks (test/lib/prop-types).
// No test reads those traces. Apps read context from CDK_CONTEXT_JSON, on top of their own: this
// sets that one key (a child the tests start with its own CDK_CONTEXT_JSON, or under the cdk CLI,
// gets the context it is given).
process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:disable-creation-stack-traces': true, ...JSON.parse(process.env.CDK_CONTEXT_JSON || '{}') });
