/** The accessibility check itself can fail: axeCheck refuses a page with known violations. */
import { test } from 'node:test';
import { expect } from 'chai';
import { chromium } from 'playwright-core';
import { axeCheck, CHROMIUM_PATH } from './harness';

test('axeCheck finds an image without alt text and a button without a name', async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.setContent('<html lang="ja"><head><title>t</title></head><body><main><img src="data:,"><button></button></main></body></html>');
  const error = await axeCheck(page, 'a broken page').then(
    () => null,
    (e: Error) => e,
  );
  expect(error?.message).to.contain('image-alt').and.contain('button-name');
  await page.setContent('<html lang="ja"><head><title>t</title></head><body><main><img src="data:," alt="図"><button>OK</button></main></body></html>');
  await axeCheck(page, 'the same page fixed');
});
