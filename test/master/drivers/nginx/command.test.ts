import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNginxCommand, testArgs } from '../../../../src/master/drivers/nginx/command.ts';

describe('parseNginxCommand', () => {
  test('-p/-c/-e/-g values, attached or separate; the argv is kept untouched', () => {
    const argv = ['nginx', '-p', '/srv/', '-c/etc/hotcycle/live/nginx.conf', '-e', 'stderr', '-g', 'daemon off;', '-q'];
    const command = parseNginxCommand(argv);
    assert.equal(command.binary, 'nginx');
    assert.deepEqual(command.args, argv.slice(1));
    assert.deepEqual([command.prefix, command.confFile, command.errorLog, command.globals], ['/srv/', '/etc/hotcycle/live/nginx.conf', 'stderr', 'daemon off;']);
    assert.deepEqual(testArgs(command), [...argv.slice(1), '-e', '/dev/null', '-t', '-q']);
  });

  const refused: [string[], RegExp][] = [
    [[], /no nginx command/],
    [['nginx', '-g', 'daemon on;'], /daemon on/],
    [['nginx', '-g', 'pid /x; daemon  on ;'], /daemon on/],
    [['nginx', '-s', 'reload'], /-s signals/],
    [['nginx', '-qt'], /-t only tests/],
    [['nginx', '-V'], /prints the version/],
    [['nginx', '-x'], /no option -x/],
    [['nginx', '-c'], /-c needs a value/],
    [['nginx', 'extra'], /no operand "extra"/],
  ];
  for (const [argv, message] of refused) {
    test(`refuses ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parseNginxCommand(argv), (e: Error & { code?: string }) => e.code === 'ENGINXCOMMAND' && message.test(e.message));
    });
  }
});
