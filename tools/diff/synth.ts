import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as os from 'os';
import * as path from 'path';
import type { Template } from './compare';
import { DEV_KEY_DIR } from '../dev-keys';
import { CliError } from '../errors';
import { confined } from '../local/assembly-paths';

export class DiffInputError extends CliError {
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, options);
    this.name = 'DiffInputError';
  }
}

/**
 * The stack templates of a cloud assembly folder (`cdk.out`), by stack display name, or of a single
 * `*.template.json` (named after the file).
 */
export function loadTemplates(source: string): Record<string, Template> {
  if (!fs.existsSync(source)) throw new DiffInputError(`'${source}' does not exist; pass a *.template.json or a cdk.out folder`);
  if (!fs.statSync(source).isDirectory()) {
    return { [path.basename(source).replace(/\.template\.json$|\.json$/, '')]: readJson(source) };
  }
  const manifestFile = path.join(source, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new DiffInputError(`'${source}' is not a cloud assembly: it has no manifest.json (run 'npx cdk synth' to create one)`);
  const manifest = readJson(manifestFile) as { artifacts?: Record<string, { type: string; displayName?: string; properties?: { templateFile?: string } }> };
  const out: Record<string, Template> = {};
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const refuse = (prop: string) => (problem: string) => new DiffInputError(`${manifestFile}: artifact ${JSON.stringify(id)}: ${prop} ${problem}; refusing the assembly`);
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      out[artifact.displayName ?? id] = readJson(confined(source, artifact.properties.templateFile, refuse('templateFile')));
    } else if (artifact.type === 'cdk:cloud-assembly' && (artifact.properties as { directoryName?: string })?.directoryName) {
      // Stages nest an assembly per stage.
      const nested = loadTemplates(confined(source, (artifact.properties as { directoryName: string }).directoryName, refuse('directoryName')));
      for (const [name, t] of Object.entries(nested)) out[name] = t;
    }
  }
  return out;
}

function readJson(file: string): Template {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DiffInputError(`cannot read '${file}' as JSON: ${(err as Error).message}`);
  }
}

export interface SynthOptions {
  /** `-c key=value` context passed to `cdk synth`. */
  readonly context?: readonly string[];
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/**
 * Runs `cdk synth` for the app in `dir` into `outdir`, with the project's own CDK CLI. Async, so
 * `diff` synthesizes the base and the working tree at the same time.
 */
export async function synthesize(dir: string, outdir: string, opts: SynthOptions = {}): Promise<Record<string, Template>> {
  const cdk = findCdk(dir);
  const args = ['synth', '--quiet', '--output', outdir, '--no-notices', '--no-version-reporting', ...(opts.context ?? []).flatMap((c) => ['-c', c])];
  opts.log?.(`synthesizing ${dir} (cdk ${args.join(' ')})`);
  const res = await new Promise<{ status: number | null; signal: NodeJS.Signals | null; output: string; error?: Error }>((resolve) => {
    const child = spawn(cdk, args, {
      cwd: dir,
      env: { ...process.env, ...compileCacheEnv(), CDK_DISABLE_CLI_TELEMETRY: 'true', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ status: null, signal: null, output: String(error), error }));
    child.on('close', (status, signal) => resolve({ status, signal, output: stderr || stdout }));
  });
  if (res.status !== 0) {
    throw new DiffInputError(`cdk synth failed in ${dir} (exit ${res.status ?? res.signal}):\n${res.output.trim()}`);
  }
  return loadTemplates(outdir);
}

/**
 * The compile cache this process uses (bin/tiered-cdn.js enables it), passed on to the CDK CLI and
 * the app it runs: both load large bundles (the CLI, aws-cdk-lib) that node then compiles once, not
 * on every synth (0.3 s of the 3.7-4.0 s of CPU of a small app's synth, docs/benchmarks.md).
 */
function compileCacheEnv(): NodeJS.ProcessEnv {
  const dir = (nodeModule as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.();
  return dir && !process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: dir } : {};
}

/** The project's own CDK CLI: node_modules/.bin/cdk in `dir` or the nearest folder above it. */
function findCdk(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', '.bin', 'cdk');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) break;
  }
  throw new DiffInputError(`no CDK CLI (node_modules/.bin/cdk) in ${dir} or above; run 'npm ci' first (the project needs aws-cdk as a dev dependency)`);
}

function git(cwd: string, args: readonly string[]): string {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new DiffInputError(`git ${args.join(' ')} failed in ${cwd}: ${(res.stderr || String(res.error)).trim()}`);
  return res.stdout.trim();
}

/** The git work tree holding `cwd`; outside one, says how to compare two templates instead. */
export function repoRoot(cwd: string): string {
  const res = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' });
  if (res.status === 0) return res.stdout.trim();
  throw new DiffInputError(`${cwd} is not in a git repository, so there is no --base commit to synthesize`, {
    hint: 'compare two synthesized templates instead: tiered-cdn diff --old before.template.json --new cdk.out (each a *.template.json file or a cdk.out folder)',
  });
}

/**
 * `value` as one POSIX shell word, for commands printed for the user to copy: a ref such as
 * `main;rm -rf ~` or `$(curl ...)` stays a literal argument when pasted.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The commit a ref names; a clear error when there is none (a shallow CI checkout, a typo). */
export function resolveCommit(root: string, ref: string): string {
  // A ref starting with '-' would be read by git as an option.
  if (ref.startsWith('-') || /[\u0000-\u001f\u007f]/.test(ref)) {
    throw new DiffInputError(`--base ${shellQuote(JSON.stringify(ref))} is not a git ref (refs never start with '-' or hold control characters)`);
  }
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new DiffInputError(
      `--base ${shellQuote(ref)} is not a commit in ${root}; in CI fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin ${shellQuote(ref)})`,
    );
  }
}

/**
 * Synthesizes the app as it was at a git ref: checks the ref out into a temporary worktree (the
 * working tree is not touched), links the project's `node_modules` into it, runs `cdk synth`, and
 * removes the worktree again.
 */
export async function synthesizeRef(root: string, ref: string, opts: SynthOptions & { appDir?: string } = {}): Promise<{ sha: string; templates: Record<string, Template> }> {
  const sha = resolveCommit(root, ref);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-diff-'));
  const tree = path.join(tmp, 'tree');
  git(root, ['worktree', 'add', '--detach', '--quiet', tree, sha]);
  try {
    // The app may sit in a subfolder of the repository (a monorepo): synthesize the same folder.
    const rel = path.relative(fs.realpathSync(root), fs.realpathSync(opts.appDir ?? root));
    const appDir = path.join(tree, rel);
    if (!fs.existsSync(path.join(appDir, 'cdk.json'))) {
      throw new DiffInputError(`${ref} has no cdk.json in ${rel || 'the repository root'}; run the diff from the folder that holds cdk.json`);
    }
    // node_modules is not committed: link the working copy's, at the root and in the app folder.
    let linked = false;
    for (const dir of new Set(['', rel])) {
      const modules = path.join(root, dir, 'node_modules');
      if (fs.existsSync(modules) && !fs.existsSync(path.join(tree, dir, 'node_modules'))) {
        fs.symlinkSync(fs.realpathSync(modules), path.join(tree, dir, 'node_modules'), 'dir');
        linked = true;
      }
    }
    if (!linked) throw new DiffInputError(`no node_modules in ${path.join(root, rel)}; run 'npm ci' first`);
    // Context lookups cached for the working tree apply to the base too (the file is not committed).
    const context = path.join(root, rel, 'cdk.context.json');
    if (fs.existsSync(context) && !fs.existsSync(path.join(appDir, 'cdk.context.json'))) fs.copyFileSync(context, path.join(appDir, 'cdk.context.json'));
    // So is the git-ignored development key: a fresh one would change every auth bundle.
    const devKeys = path.join(root, rel, DEV_KEY_DIR);
    if (fs.existsSync(devKeys) && !fs.existsSync(path.join(appDir, DEV_KEY_DIR))) {
      fs.cpSync(devKeys, path.join(appDir, DEV_KEY_DIR), { recursive: true });
    }
    opts.log?.(`checked out ${ref} (${sha.slice(0, 12)}) into a temporary worktree`);
    return { sha, templates: await synthesize(appDir, path.join(tmp, 'cdk.out'), opts) };
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', tree], { cwd: root });
    spawnSync('git', ['worktree', 'prune'], { cwd: root });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
