/**
 * A reader on the LAN that cannot be reached (docs/network-links.md), in a real browser: staff see
 * 《カードリーダー未接続》 and why, in Japanese with the code small beside it, not only that it is
 * missing; once the reader listens, the banner goes by itself.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { closedPort } from '../../src/net/test-net';
import { EmulatorHost } from '../../simulator/emulator-host';
import { expectJapanese } from './flows';
import { eventually, login, screen, shot, startE2e, stepper, textOf } from './harness';

const ADMIN_PASSWORD = 'kanri-e2e-pass';

test('a network reader that refuses the connection: the banner says why, and goes when the reader appears', async (t) => {
  const port = await closedPort();
  const address = `tcp://127.0.0.1:${port}`;
  const { url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD }, { readerPorts: [address] });
  const s = screen(page);
  const step = stepper(t, page);
  await page.goto(url);
  await login(page, 'admin', ADMIN_PASSWORD);

  await step('《カードリーダー未接続》 with the cause: the address, what to check, OQS_ERR_NET_CONNECT', async () => {
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
    const banner = s.alerts().locator('[data-code="readerNotConnected"]');
    await banner.waitFor();
    expect(await textOf(banner)).to.match(/^✖?\s*カードリーダー未接続：/);
    expect(await textOf(banner.locator('.cause'))).to.equal(
      `ネットワーク上の顔認証付きカードリーダー（${address}）に接続できません。シリアルサーバーの電源とネットワークを確認してください。 OQS_ERR_NET_CONNECT`,
    );
    expect(await banner.getAttribute('role')).to.equal('alert');
    await expectJapanese(s.alerts());
    await shot(page, 'reader-unreachable');
  });

  await step('the reader starts listening on that address: connected, the banner is gone', async () => {
    const host = await EmulatorHost.start({ readers: 1, pty: false, listen: [address], control: [], log: () => undefined });
    t.after(() => host.close());
    await eventually(async () => expect(await s.alerts().locator('[data-code="readerNotConnected"]').count()).to.equal(0), 30_000);
  });
});
