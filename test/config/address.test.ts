import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotcycleError } from '../../src/errors.ts';
import { addressKey, canonicalKey, parseAddress, type ListenAddress } from '../../src/config/address.ts';

describe('parseAddress', () => {
  const valid: [string, ListenAddress, string][] = [
    ['0.0.0.0:8080', { kind: 'tcp', host: '0.0.0.0', port: 8080, family: 4 }, 'tcp:0.0.0.0:8080'],
    ['127.0.0.1:1', { kind: 'tcp', host: '127.0.0.1', port: 1, family: 4 }, 'tcp:127.0.0.1:1'],
    ['10.1.2.3:65535', { kind: 'tcp', host: '10.1.2.3', port: 65535, family: 4 }, 'tcp:10.1.2.3:65535'],
    ['localhost:3000', { kind: 'tcp', host: '127.0.0.1', port: 3000, family: 4 }, 'tcp:127.0.0.1:3000'],
    ['[::]:8080', { kind: 'tcp', host: '::', port: 8080, family: 6 }, 'tcp:[::]:8080'],
    ['[::1]:8080', { kind: 'tcp', host: '::1', port: 8080, family: 6 }, 'tcp:[::1]:8080'],
    ['[0:0::1]:8080', { kind: 'tcp', host: '::1', port: 8080, family: 6 }, 'tcp:[::1]:8080'],
    ['[0:0:0:0:0:0:0:1]:80', { kind: 'tcp', host: '::1', port: 80, family: 6 }, 'tcp:[::1]:80'],
    ['[2001:DB8:0:0:1:0:0:1]:443', { kind: 'tcp', host: '2001:db8::1:0:0:1', port: 443, family: 6 }, 'tcp:[2001:db8::1:0:0:1]:443'],
    ['[::ffff:1.2.3.4]:80', { kind: 'tcp', host: '::ffff:102:304', port: 80, family: 6 }, 'tcp:[::ffff:102:304]:80'],
    ['unix:/run/app.sock', { kind: 'unix', path: '/run/app.sock' }, 'unix:/run/app.sock'],
    ['unix://run//hotcycle/./app.sock', { kind: 'unix', path: '/run/hotcycle/app.sock' }, 'unix:/run/hotcycle/app.sock'],
    ['unix:/run/x/../app.sock', { kind: 'unix', path: '/run/app.sock' }, 'unix:/run/app.sock'],
  ];
  for (const [text, expected, key] of valid) {
    test(`${text} → ${key}`, () => {
      const address = parseAddress(text);
      assert.deepEqual(address, expected);
      assert.ok(Object.isFrozen(address));
      assert.equal(addressKey(address), key);
      assert.equal(canonicalKey(text), key);
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /expected host:port/],
    ['8080', /expected host:port/],
    ['0.0.0.0', /expected host:port/],
    ['0.0.0.0:0', /port must be a number from 1 to 65535, got "0"/],
    ['0.0.0.0:65536', /from 1 to 65535/],
    ['0.0.0.0:08080', /from 1 to 65535/],
    ['0.0.0.0:', /from 1 to 65535/],
    ['0.0.0.0:http', /from 1 to 65535/],
    ['0.0.0.0:-1', /from 1 to 65535/],
    ['example.com:80', /numeric IPv4 address or localhost/],
    ['256.0.0.1:80', /numeric IPv4/],
    ['127.000.0.1:80', /numeric IPv4/],
    [' 127.0.0.1:80', /numeric IPv4/],
    ['::1:8080', /expected host:port/],
    ['[::1]', /expected host:port/],
    ['[::1]8080', /expected host:port/],
    ['[1.2.3.4]:80', /not a numeric IPv6 address/],
    ['[fe80::1%eth0]:80', /zone ids are not supported/],
    ['[::g]:80', /not a numeric IPv6/],
    ['unix:run/app.sock', /must be absolute/],
    ['unix:', /must be absolute/],
    ['unix:/run/', /must name a file/],
    ['unix:/', /must name a file/],
    ['unix:/run/a\0b', /NUL/],
    [`unix:/${'x'.repeat(107)}`, /at most 107 bytes/],
  ];
  for (const [text, message] of invalid) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseAddress(text), (error: unknown) => {
        assert.ok(error instanceof HotcycleError);
        assert.equal(error.phase, 'config');
        assert.equal(error.code, 'EADDRESS');
        assert.ok(error.message.includes(`"${text}"`), error.message);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('the longest unix path that fits sun_path is accepted', () => {
    const path = `/${'x'.repeat(106)}`;
    assert.deepEqual(parseAddress(`unix:${path}`), { kind: 'unix', path });
  });
});
