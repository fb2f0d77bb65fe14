import type { Command } from 'commander';
import * as audit from './audit';
import * as diagram from './diagram';
import * as diff from './diff';
import * as experiment from './experiment';
import * as invalidate from './invalidate';
import * as local from './local';
import * as replay from './replay';
import * as token from './token';

/** Each subcommand registers itself on the program; add one line per command. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  local.register,
  invalidate.register,
  audit.register,
  diff.register,
  diagram.register,
  token.register,
  experiment.register,
  replay.register,
];
