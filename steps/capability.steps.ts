import { Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { MODE_LABELS } from '../src/reader/labels';
import { currentRun } from './support/run';
import type { ReaderWorld } from './support/world';

Then('リーダーの識別情報は申告どおりである', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const [reader] = (await this.terminal()).status().readers;
  assert.ok(reader != null, 'a connected reader');
  assert.deepEqual(
    { vendor: reader!.vendor, model: reader!.model, firmware: reader!.firmware, protocolVersion: reader!.protocolVersion },
    {
      vendor: d.vendor,
      model: d.model,
      firmware: d.firmware,
      protocolVersion: d.protocolVersion,
    },
  );
});

Then('申告された機能をリーダーが全て報告する', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const [reader] = (await this.terminal()).status().readers;
  const missing = d.capabilities.filter((c) => !reader!.capabilities.includes(c));
  assert.deepEqual(missing, [], `declared but not reported in hello: ${missing.join(', ')}`);
});

Then('申告された運転モードに順に切り替えられる', async function (this: ReaderWorld) {
  const d = currentRun().declaration;
  const t = await this.terminal();
  for (const mode of [...d.modes, 'unattended' as const]) {
    await this.target.settle(t.switchMode(this.actor!, mode));
    const status = await this.target.settle(t.client(0)!.getStatus());
    assert.equal(status.mode, { unattended: 1, visual: 2, pinOnly: 3 }[mode], `reader mode after switching to ${MODE_LABELS[mode]}`);
  }
});
