import { test } from 'node:test';
import { expect } from 'chai';
import { ser2netConfig } from './ser2net';

test('ser2net config: one connection per device, telnet(rfc2217) or raw tcp on loopback, 115200 8N1 with modem lines ignored', () => {
  const yaml = ser2netConfig(
    [
      { device: '/tmp/oqs/ttyOQS0', accepter: 'rfc2217' },
      { device: '/dev/pts/7', accepter: 'tcp' },
    ],
    [4001, 4002],
  );
  expect(yaml).to.equal(
    [
      '%YAML 1.1',
      '---',
      'connection: &oqs0',
      '  accepter: telnet(rfc2217),tcp,127.0.0.1,4001',
      '  connector: serialdev,/tmp/oqs/ttyOQS0,115200n81,local',
      'connection: &oqs1',
      '  accepter: tcp,127.0.0.1,4002',
      '  connector: serialdev,/dev/pts/7,115200n81,local',
      '',
    ].join('\n'),
  );
});
