import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNginxCommand } from '../../../../src/master/drivers/nginx/command.ts';
import { logTargets, mainDirectives, parseBuildDefaults, refuseDirectives, resolveLayout } from '../../../../src/master/drivers/nginx/layout.ts';

const DEBIAN = 'nginx version: nginx/1.22.1\nconfigure arguments: --with-cc-opt=-g --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf --error-log-path=stderr --pid-path=/run/nginx.pid';
const build = parseBuildDefaults(DEBIAN);

describe('layout', () => {
  test("nginx -V's defaults; nginx's own when absent", () => {
    assert.deepEqual(build, { prefix: '/usr/share/nginx', confPath: '/etc/nginx/nginx.conf', errorLogPath: 'stderr' });
    assert.deepEqual(parseBuildDefaults('configure arguments:'), { prefix: '/usr/local/nginx', confPath: 'conf/nginx.conf', errorLogPath: 'logs/error.log' });
  });

  test('-p and -c resolve as nginx resolves them', () => {
    assert.deepEqual(resolveLayout(parseNginxCommand(['nginx']), build, '/w'), { prefix: '/usr/share/nginx/', confPath: '/etc/nginx/nginx.conf' });
    assert.deepEqual(resolveLayout(parseNginxCommand(['nginx', '-p', 'srv', '-c', 'conf/n.conf']), build, '/w'), { prefix: '/w/srv/', confPath: '/w/srv/conf/n.conf' });
  });

  test('main-level directives only, -g first', () => {
    const main = mainDirectives('error_log logs/a.log info;\nhttp { error_log /x.log; }\ndaemon off;\n', 'error_log stderr;');
    assert.deepEqual(main, { errorLogs: ['stderr', 'logs/a.log'], daemon: 'off' });
  });

  test('refuses daemonizing and master_process off', () => {
    assert.match(refuseDirectives(mainDirectives('events {}')) ?? '', /daemonize/);
    assert.match(refuseDirectives(mainDirectives('daemon on;')) ?? '', /daemon on/);
    assert.match(refuseDirectives(mainDirectives('', 'daemon off; master_process off;')) ?? '', /master_process off/);
    assert.equal(refuseDirectives(mainDirectives('', 'daemon off;')), undefined);
  });

  test('log targets: the directives, else -e, else the compiled-in path', () => {
    const command = parseNginxCommand(['nginx', '-e', 'logs/e.log']);
    assert.deepEqual(logTargets(mainDirectives('error_log stderr; error_log rel.log; error_log syslog:server=unix:/x;'), command, build, '/p/'), [
      { kind: 'stderr' }, { kind: 'file', path: '/p/rel.log' }, { kind: 'unreadable', value: 'syslog:server=unix:/x' },
    ]);
    assert.deepEqual(logTargets(mainDirectives(''), command, build, '/p/'), [{ kind: 'file', path: '/p/logs/e.log' }]);
    assert.deepEqual(logTargets(mainDirectives(''), parseNginxCommand(['nginx']), build, '/p/'), [{ kind: 'stderr' }]);
  });
});
