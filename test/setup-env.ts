// aws-cdk-lib validates every synthesized template with its built-in CloudFormation rules, which
// is most of the CPU time of a test that synthesizes. The suite lints templates with cfn-lint
// instead (test/reference-stack.test.ts, .ci/run), so the built-in pass is skipped here and in
// the synths the tests start.
process.env.CDK_VALIDATION ??= 'false';
// aws-cdk-lib records where every construct was created (a stack trace per resource, and per
// annotation) for the validation report and `cdk synth --debug`. Under jest each trace is also
// source-mapped, which made it an eighth of the CPU time of the library suites; nothing here reads
// them. Apps the tests construct read this context; an app that sets its own context keeps it.
process.env.CDK_CONTEXT_JSON ??= JSON.stringify({ 'aws:cdk:disable-creation-stack-traces': true, 'aws:cdk:disable-stack-trace': true });
