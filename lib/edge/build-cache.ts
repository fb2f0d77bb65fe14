import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';

/**
 * Edge bundles, built once. A synth bundles one function per behavior kind and configuration, and
 * the same configuration again in every synth of an unchanged app (each `cdk synth`, `cdk diff`,
 * `tiered-cdn diagram --synth`, every test stack): esbuild's output is kept, keyed by esbuild's
 * version and the build options (configuration included), and reused while every file the build
 * read still has the content it had (sha-256 of each, compared on every reuse).
 *
 * Kept in memory for the process and on disk in a folder of this user's own, so that another user
 * of the machine can neither plant a bundle nor swap one before the synth copies it into the cloud
 * assembly.
 */

/** The output of one build (`write: false`, one output file). */
export interface BuiltCode {
  readonly contents: Uint8Array;
  readonly text: string;
}

interface Entry {
  /** Absolute path and sha-256 of every file the build read. */
  readonly inputs: ReadonlyArray<readonly [string, string]>;
  readonly built: BuiltCode;
}

/** Entries kept on disk; past this many, the least recently used half is removed. */
const MAX_DISK_ENTRIES = 400;

const memory = new Map<string, Entry>();
let privateFolder: string | undefined;

/**
 * A folder only this user can read or write, under the temporary folder: `tiered-cdn-<uid>`, mode
 * 0700. A folder of that name that is a symbolic link, belongs to someone else or is open to others
 * is not used: a fresh private folder (`mkdtemp`) is, for this process.
 */
export function privateTempDir(): string {
  if (privateFolder) return privateFolder;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = path.join(os.tmpdir(), `tiered-cdn-${uid ?? os.userInfo().username}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = fs.lstatSync(dir);
  const ours = st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0));
  privateFolder = ours ? dir : fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-'));
  return privateFolder;
}

const sha256 = (data: string | Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

function fileHash(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

const unchanged = (entry: Entry) => entry.inputs.every(([file, hash]) => fileHash(file) === hash);

function diskPath(key: string): string {
  return path.join(privateTempDir(), 'builds', `${key}.json`);
}

function readDisk(key: string): Entry | undefined {
  const file = diskPath(key);
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs?: unknown; code?: unknown };
    if (!Array.isArray(raw.inputs) || typeof raw.code !== 'string') return undefined;
    const inputs = raw.inputs.filter((i): i is [string, string] => Array.isArray(i) && typeof i[0] === 'string' && typeof i[1] === 'string');
    if (inputs.length !== raw.inputs.length) return undefined;
    const contents = new Uint8Array(Buffer.from(raw.code, 'base64'));
    const now = new Date();
    fs.utimesSync(file, now, now);
    return { inputs, built: { contents, text: Buffer.from(contents).toString('utf8') } };
  } catch {
    return undefined;
  }
}

function writeDisk(key: string, entry: Entry): void {
  const file = diskPath(key);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify({ inputs: entry.inputs, code: Buffer.from(entry.built.contents).toString('base64') }), { mode: 0o600 });
    // Renamed into place: another synth on this machine may be reading the entry.
    fs.renameSync(partial, file);
    prune(path.dirname(file));
  } catch {
    // A cache that cannot be written is only slower.
  }
}

function prune(dir: string): void {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_DISK_ENTRIES) return;
  const aged = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - MAX_DISK_ENTRIES / 2)) fs.rmSync(path.join(dir, n), { force: true });
}

/**
 * `esbuild.buildSync(options)` with `write: false`, or the output of an earlier build with the same
 * options whose input files are unchanged. A failed build is not kept: it throws as esbuild does.
 */
export function buildOnce(options: esbuild.BuildOptions): BuiltCode {
  const key = sha256(`${esbuild.version}\0${JSON.stringify(options)}`);
  const known = memory.get(key) ?? readDisk(key);
  if (known && unchanged(known)) {
    memory.set(key, known);
    return known.built;
  }
  const result = esbuild.buildSync({ ...options, write: false, metafile: true });
  const out = result.outputFiles[0];
  const built: BuiltCode = { contents: out.contents, text: out.text };
  const cwd = options.absWorkingDir ?? process.cwd();
  // A `define` shows as an input of its own (`<define:NAME>`); its value is part of the key.
  const files = Object.keys(result.metafile.inputs).filter((f) => !/^<define:[^>]*>$/.test(f));
  // An input that is not a file on disk (a plugin's namespace) cannot be checked: not kept.
  if (files.some((f) => f.startsWith('<') || (/^[a-z-]+:/i.test(f) && !path.isAbsolute(f)))) return built;
  const inputs = files.map((f) => {
    const abs = path.resolve(cwd, f);
    return [abs, fileHash(abs) ?? ''] as const;
  });
  if (inputs.some(([, hash]) => hash === '')) return built;
  const entry: Entry = { inputs, built };
  memory.set(key, entry);
  writeDisk(key, entry);
  return built;
}
