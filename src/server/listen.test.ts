import { test } from 'node:test';
import { expect } from 'chai';
import type { NetworkInterfaceInfo } from 'node:os';
import { allowedHostsFor, describeListen } from './listen';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal }) as NetworkInterfaceInfo;
const INTERFACES = { lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)], eth0: [nic('192.168.10.5', 'IPv4'), nic('fe80::1', 'IPv6')] };

test('loopback: the banner names the local URL and warns of nothing', () => {
  for (const host of ['127.0.0.1', 'localhost', '::1']) {
    const lines = describeListen(host, 8080, INTERFACES);
    expect(lines.join('\n'), host).to.include(':8080/');
    expect(lines.join('\n'), host).not.to.match(/警告|WARNING/);
  }
  expect(describeListen('127.0.0.1', 8080, INTERFACES)[0]).to.include('http://127.0.0.1:8080/');
  expect(describeListen('::1', 8080, INTERFACES)[0]).to.include('http://[::1]:8080/');
});

test('--host 0.0.0.0: the banner says all addresses, lists them, and warns in Japanese and English', () => {
  for (const host of ['0.0.0.0', '::', '']) {
    const text = describeListen(host, 8080, INTERFACES).join('\n');
    expect(text, host).to.include('http://192.168.10.5:8080/');
    expect(text, host).to.match(/all addresses/);
    expect(text, host).to.match(/警告：.*他のコンピュータ/);
    expect(text, host).to.match(/WARNING: .*other computers/);
    expect(text, host).not.to.match(/listening on http:\/\/127\.0\.0\.1/);
  }
});

test('a single address other than loopback is named, with the warning', () => {
  const text = describeListen('192.168.10.5', 8080, INTERFACES).join('\n');
  expect(text).to.include('http://192.168.10.5:8080/');
  expect(text).to.match(/警告：/);
  expect(text).to.match(/WARNING: /);
});

test('allowedHostsFor gives buildServer the names of a non-loopback bind', () => {
  expect(allowedHostsFor('127.0.0.1', INTERFACES, 'UKETSUKE-PC')).to.deep.equal([]);
  expect(allowedHostsFor('192.168.10.5', INTERFACES, 'UKETSUKE-PC')).to.deep.equal(['192.168.10.5']);
  expect(allowedHostsFor('0.0.0.0', INTERFACES, 'UKETSUKE-PC')).to.have.members(['192.168.10.5', 'UKETSUKE-PC']);
});
