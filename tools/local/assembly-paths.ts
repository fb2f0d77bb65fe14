import * as fs from 'fs';
import * as path from 'path';

/*
 * A cloud assembly (cdk.out) is input like any other: it may come from a pull request or a
 * downloaded artifact. Every path the tools derive from it (a nested assembly, a template file, an
 * asset folder from metadata or an S3 key, a logical id used as a folder name, a handler file) must
 * stay inside the assembly. These checks say why one does not, for a one-line refusal that names
 * the resource.
 */

/** CloudFormation logical ids are alphanumeric (A-Za-z0-9), at most 255 characters. */
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

/** Why a logical id cannot name a folder, or undefined when it is a valid CloudFormation logical id. */
export function logicalIdProblem(id: unknown): string | undefined {
  if (typeof id === 'string' && LOGICAL_ID.test(id)) return undefined;
  return `logical id ${JSON.stringify(id)} is not a CloudFormation logical id (letters and digits only)`;
}

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Why `rel` (a path read from the assembly) does not stay inside `root`, or undefined when it does:
 * not a string, a NUL byte, an absolute path, `..` that climbs out, or (for a path that exists) a
 * symbolic link that leads out.
 */
export function confinementProblem(root: string, rel: unknown): string | undefined {
  if (typeof rel !== 'string' || rel === '') return `${JSON.stringify(rel)} is not a relative path`;
  if (rel.includes('\0')) return `${JSON.stringify(rel)} contains a NUL byte`;
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) return `${JSON.stringify(rel)} is an absolute path, outside the cloud assembly`;
  const base = path.resolve(root);
  const target = path.resolve(base, rel);
  if (!within(base, target)) return `${JSON.stringify(rel)} leads outside the cloud assembly`;
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return undefined; // does not exist (yet): nothing to follow
  }
  let realBase: string;
  try {
    realBase = fs.realpathSync(base);
  } catch {
    realBase = base;
  }
  if (!within(realBase, real)) return `${JSON.stringify(rel)} is a link that leads outside the cloud assembly`;
  return undefined;
}

/** `rel` resolved inside `root`; `fail(problem)` when it would leave it. */
export function confined(root: string, rel: unknown, fail: (problem: string) => Error): string {
  const problem = confinementProblem(root, rel);
  if (problem) throw fail(problem);
  return path.resolve(root, rel as string);
}
