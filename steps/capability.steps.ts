import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { MODE_LABELS } from '../src/reader/labels';
import { currentRun } from './support/run';
import type { ReaderWorld } from './support/world';

Then('リーダーの識別情報は申告どおりである', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const [reader] = (await this.terminal()).status().readers;
  expect(reader, 'a connected reader').to.exist;
  expect({ vendor: reader!.vendor, model: reader!.model, firmware: reader!.firmware, protocolVersion: reader!.protocolVersion }).to.deep.equal({
    vendor: d.vendor,
    model: d.model,
    firmware: d.firmware,
    protocolVersion: d.protocolVersion,
  });
});

Then('申告された機能をリーダーが全て報告する', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const [reader] = (await this.terminal()).status().readers;
  const missing = d.capabilities.filter((c) => !reader!.capabilities.includes(c));
  expect(missing, `declared but not reported in hello: ${missing.join(', ')}`).to.deep.equal([]);
});

Then('申告された運転モードに順に切り替えられる', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const t = await this.terminal();
  for (const mode of [...d.modes, 'unattended' as const]) {
    await this.target.settle(t.switchMode(this.actor!, mode));
    const status = await this.target.settle(t.client(0)!.getStatus());
    expect(status.mode, `reader mode after switching to ${MODE_LABELS[mode]}`).to.equal({ unattended: 1, visual: 2, pinOnly: 3 }[mode]);
  }
});
