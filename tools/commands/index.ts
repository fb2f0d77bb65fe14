import type { Command } from 'commander';
import * as audit from './audit';
import * as invalidate from './invalidate';

/** Each subcommand registers itself on the program; add one line per command. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  invalidate.register,
  audit.register,
];
