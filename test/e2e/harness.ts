import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { expect } from 'chai';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { assemble, embeddedReaders } from '../../src/assembly';
import { AccountDirectory } from '../../src/reader/accounts';
import { MemoryStore } from '../../src/reader/store';
import { startProduct } from '../../src/main';
import { OffsetClock } from '../../src/time/clock';

/** Where the manual-step screenshots go (reports/ is rebuilt by every run). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'reports', 'screenshots');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type Product = Awaited<ReturnType<typeof startProduct>> & { setupToken?: string };

export interface E2e {
  product: Product;
  url: string;
  browser: Browser;
  page: Page;
}

/**
 * Starts the whole product (controller + embedded emulated reader + API + the screen) on a free
 * port with instant device time and a fresh state directory, and one headless Chromium page on
 * it. Everything is closed after the test, whatever happens, so nothing keeps node alive.
 */
export async function startE2e(
  t: TestContext,
  accounts: { adminPassword?: string; staffPassword?: string } = {},
  options: { readers?: number; viewport?: { width: number; height: number }; readerPorts?: string[] } = {},
): Promise<E2e> {
  const stateDir = await mkdtemp(join(tmpdir(), 'oqs-e2e-'));
  const opts = {
    host: '127.0.0.1',
    port: 0,
    stateDir,
    timeScale: 0,
    baudRate: 115200,
    quiet: true,
    log: () => {},
    readerPorts: options.readerPorts,
    ...accounts,
  };
  let product: Product;
  try {
    product = (
      options.readers && options.readers !== 1 ? await startReaders(options.readers, accounts) : await startProduct(opts as Parameters<typeof startProduct>[0])
    ) as Product;
  } catch (e) {
    await rm(stateDir, { recursive: true, force: true });
    throw e;
  }
  let browser: Browser | undefined;
  // The browser goes first: its event stream would otherwise hold the server's close open.
  t.after(async () => {
    await browser?.close().catch(() => undefined);
    await product.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}; run sh scripts/test-e2e.sh (it installs it) or set CHROMIUM_PATH`);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--lang=ja-JP',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Nothing the page asks for may be missing (a 404 for /favicon.ico included).
  page.on('response', (r) => {
    if (r.status() === 404 || r.status() >= 500) errors.push(`${r.status()} for ${r.request().method()} ${r.url()} ${r.request().postData() ?? ''}`);
  });
  t.after(() => {
    if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
  });
  return { product, url: product.url, browser, page };
}

/**
 * The product as startProduct() assembles it, but with `count` embedded emulated readers (the
 * product itself embeds one): for the refusals that need two readers on one terminal.
 */
async function startReaders(count: number, passwords: { adminPassword?: string; staffPassword?: string }) {
  const clock = new OffsetClock(0);
  const accounts = new AccountDirectory();
  if (passwords.adminPassword) accounts.add('admin', passwords.adminPassword, 'admin');
  if (passwords.staffPassword) accounts.add('staff', passwords.staffPassword, 'general');
  const embedded = embeddedReaders(clock, count);
  const assembly = assemble({ clock, store: new MemoryStore(), readers: embedded.ports, api: { accounts, emulator: embedded.controls, secureCookie: true } });
  await assembly.firstAttempts;
  const url = await assembly.app!.listen({ host: '127.0.0.1', port: 0 });
  return { app: assembly.app!, terminal: assembly.terminal, assembly, url, setupToken: null, close: () => assembly.close() };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core over the page as it is now, WCAG 2.0/2.1 A and AA: no violation allowed. Injected by
 * the DevTools protocol (the page's CSP rightly refuses inline scripts).
 */
export async function axeCheck(page: Page, state: string): Promise<void> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })`,
  )) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found.length, `axe violations in "${state}": ${found.join(' | ')}`).to.equal(0);
}

/**
 * A full-page screenshot of one manual step, under reports/screenshots/; every state shot is also
 * checked with axe-core (WCAG 2.1 AA), so each state the tests show is an accessible one.
 */
export async function shot(page: Page, name: string): Promise<void> {
  if (!name.startsWith('FAILED-')) await axeCheck(page, name);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // A modal dialog sits in the viewport; the whole page otherwise.
  const fullPage = (await page.locator('dialog[open]').count()) === 0;
  await page.screenshot({ path: join(SCREENSHOT_DIR, name.endsWith('.png') ? name : `${name}.png`), fullPage });
}

/** Retries an assertion until it holds (the screen follows the server over SSE). */
export async function eventually(assertion: () => unknown, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Runs the steps of one long flow as subtests; after the first failure the rest are skipped
 * (they would only fail for the same reason) and a screenshot of the failure is kept.
 */
export function stepper(t: TestContext, page: Page) {
  let failed: string | null = null;
  return async (name: string, fn: () => Promise<void>) => {
    await t.test(name, { skip: failed ? `an earlier step failed: ${failed}` : false }, async () => {
      try {
        await fn();
        // The state each step leaves is checked too, not only the ones with a screenshot.
        await axeCheck(page, `after: ${name}`);
      } catch (e) {
        failed = name;
        await shot(page, `FAILED-${name.replace(/[^\w-]+/g, '_').slice(0, 60)}`).catch(() => undefined);
        throw e;
      }
    });
  };
}

// ---- the screen, by role and label (so the test also checks that the screen is accessible) ----

export const screen = (page: Page) => ({
  heading: (name: string) => page.getByRole('heading', { name, level: 1 }),
  modeGroup: () => page.getByRole('group', { name: '現在のモード' }),
  modeButton: (label: string) => page.getByRole('group', { name: '現在のモード' }).getByRole('button', { name: label, exact: true }),
  dialog: (name: string) => page.getByRole('dialog', { name }),
  dateField: () => page.getByLabel('資格確認日', { exact: true }),
  calendar: () => page.getByLabel('カレンダーから選択'),
  visualBox: () => page.getByRole('checkbox', { name: '目視で本人確認完了' }),
  records: () => page.getByRole('region', { name: '本日の本人確認' }).getByRole('table'),
  log: () => page.getByRole('log'),
  alerts: () => page.locator('#alerts'),
  emulator: () => page.getByRole('region', { name: '患者の操作 — エミュレータ' }),
});

export async function login(page: Page, account: string, password: string): Promise<void> {
  const view = page.getByRole('region', { name: 'ログイン' });
  await view.getByLabel('アカウント', { exact: true }).fill(account);
  await view.getByLabel('パスワード', { exact: true }).fill(password);
  await view.getByRole('button', { name: 'ログイン', exact: true }).click();
  await screen(page).heading('メニュー').waitFor();
}

/** The patient at the emulated reader, through the screen's control panel. */
export function patient(page: Page) {
  const panel = () => screen(page).emulator();
  const press = async (name: string) => {
    await panel().getByRole('button', { name, exact: true }).click();
    // The panel disables its buttons while the stimulus runs; wait until the reader has answered.
    await panel().getByRole('button', { name, exact: true }).and(page.locator(':enabled')).waitFor();
  };
  return {
    placeCard: async (profileLabel: string) => {
      await panel().getByLabel('カード', { exact: true }).selectOption({ label: profileLabel });
      await press('カードを置く');
    },
    chooseFace: () => press('顔認証'),
    choosePin: () => press('暗証番号'),
    presentFace: async (conditionLabel = 'そのまま') => {
      await panel().getByLabel('顔の状態').selectOption({ label: conditionLabel });
      await press('カメラに顔を向ける');
    },
    correctPin: () => press('正しい暗証番号を入力'),
    wrongPin: () => press('誤った暗証番号を入力'),
    consentAll: () => press('全て同意する'),
    consentIndividual: () => press('個別に同意する'),
    removeCard: () => press('カードを取る'),
    // Staff at the reader, in the reader-side 目視確認 (the 2025 flow).
    chooseVisualCheck: () => press('目視確認を選ぶ'),
    enterFacilityPassword: async (password: string) => {
      await panel().getByLabel('目視モード用パスワード', { exact: true }).fill(password);
      await press('パスワードを入力');
    },
    confirmVisually: () => press('目視で確認した'),
    refusal: () => panel().getByRole('alert'),
  };
}

export async function textOf(l: Locator): Promise<string> {
  return ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
