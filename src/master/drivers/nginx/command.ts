// The command after `--` that starts nginx, read the way nginx's own ngx_get_options reads
// it: flags may be bundled (`-tq`), a value may be attached (`-cFILE`) or follow. hotcycle
// passes -c/-p/-e/-g through untouched and only needs to know their values; it refuses what
// would take nginx out of its hands (`daemon on`, `-s`, `-t`, …).
import { HotcycleError } from '../../../errors.ts';

export interface NginxCommand {
  /** The program, e.g. `nginx` or `/usr/sbin/nginx`. */
  readonly binary: string;
  /** Every argument after the program, exactly as given. */
  readonly args: readonly string[];
  /** The values of -p, -c, -e and -g, when given. */
  readonly prefix?: string;
  readonly confFile?: string;
  readonly errorLog?: string;
  readonly globals?: string;
}

const VALUE_FLAGS = new Set(['p', 'c', 'e', 'g']);
const REFUSED: Record<string, string> = {
  t: '-t only tests the configuration; hotcycle runs `nginx -t` itself in the check phase',
  T: '-T only dumps the configuration',
  s: '-s signals a running master; hotcycle is the one that signals nginx',
  v: '-v only prints the version', V: '-V only prints the version', h: '-h only prints help', '?': '-? only prints help',
};

export function parseNginxCommand(argv: readonly string[]): NginxCommand {
  const [binary, ...args] = argv;
  if (!binary) throw commandError('no nginx command after `--` (e.g. -- nginx -g "daemon off;" -c /etc/hotcycle/live/nginx.conf)');
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') throw commandError(`nginx takes no operand "${arg}"`);
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j] ?? '';
      if (REFUSED[flag]) throw commandError(REFUSED[flag]);
      if (flag === 'q') continue;
      if (!VALUE_FLAGS.has(flag)) throw commandError(`nginx has no option -${flag}`);
      const attached = arg.slice(j + 1);
      const value = attached || args[++i];
      if (value === undefined) throw commandError(`nginx option -${flag} needs a value`);
      values[flag] = value;
      break;
    }
  }
  if (values.g !== undefined && /(^|;)\s*daemon\s+on\s*;/.test(values.g)) {
    throw commandError('-g "daemon on;" would detach nginx from hotcycle: nginx must run in the foreground (daemon off) as its child');
  }
  return Object.freeze({
    binary, args: Object.freeze([...args]),
    ...(values.p !== undefined ? { prefix: values.p } : {}),
    ...(values.c !== undefined ? { confFile: values.c } : {}),
    ...(values.e !== undefined ? { errorLog: values.e } : {}),
    ...(values.g !== undefined ? { globals: values.g } : {}),
  });
}

/**
 * The same command as `nginx -t -q`: the same prefix, file and globals, tested, not run. Its
 * startup error log is /dev/null (the last -e wins): the findings come from its stderr, and
 * nginx must not write them, which may quote a Secret file, into the serving nginx's log.
 */
export function testArgs(command: NginxCommand): string[] {
  return [...command.args, '-e', '/dev/null', '-t', '-q'];
}

function commandError(message: string): HotcycleError {
  return new HotcycleError('config', 'ENGINXCOMMAND', message);
}
