import { screenById, type ScreenName } from '../../src/protocol';
import type { ReaderWorld } from './world';

/**
 * The current patient's visit at a reader: everything since the last card was placed on it (the
 * whole scenario if none was). Negative checks look here, so an earlier patient's screens do not
 * make 「尋ねなかった」 or 「表示されていない」 fail, nor hide what this patient saw.
 */
export async function visitScreens(world: ReaderWorld, reader = 0): Promise<ScreenName[]> {
  await world.terminal();
  // 1台目, 2台目 are the installed readers, the same ones screensOf names.
  const path = world.target.readerPath(reader);
  if (!path) return [];
  const events = world.events;
  let start = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'readerEvent' && e.path === path && e.name === 'cardPlaced') {
      start = i;
      break;
    }
  }
  const out: ScreenName[] = [];
  for (const e of events.slice(start)) {
    if (e.type !== 'readerEvent' || e.path !== path || e.name !== 'screenShown') continue;
    const name = screenById(Number(e.fields.screen));
    if (name) out.push(name);
  }
  return out;
}

/** Error codes with which an emulator (in process or behind its control channel) refuses an act. */
const REFUSALS = new Set(['EMU_ERR_NOT_OFFERED', 'EMU_ERR_BAD_STATE', 'EMU_ERR_NO_CARD', 'EMU_ERR_CARD_PRESENT']);

function isRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && REFUSALS.has(code);
}

/**
 * A patient's act that must go through: a refusal by the reader fails the step, saying which step
 * writes the refusal when that is what the scenario means.
 */
export async function expectAccepted<T>(what: { act: string; refusalStep?: string }, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (e) {
    if (!isRefusal(e)) throw e;
    const hint = what.refusalStep ? `できないことを確かめるなら「${what.refusalStep}」と書きます。` : '';
    throw new Error(`患者は${what.act}ことができませんでした（リーダーが受け付けません）。${hint}\nThe reader refused the act: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * A patient's act the reader must not let happen. On an emulator the act is refused with a code;
 * on a real reader the person at the prompt answers f (could not do it), which is the expected
 * outcome here. An act that goes through fails the step.
 */
export async function expectRefused(world: ReaderWorld, what: string, act: () => Promise<unknown>): Promise<void> {
  try {
    await act();
  } catch (e) {
    if (isRefusal(e)) return;
    if (/^PROMPT-[A-Z-]+ 「.*」: FAIL \(/s.test((e as Error).message)) return;
    throw e;
  }
  const screens = (await visitScreens(world)).join(' → ');
  throw new Error(
    `${what}ことができてしまいました（リーダーが受け付けました）。\nThe reader let the patient ${englishOf(what)}; this step expects it to refuse. Screens this visit: ${screens || '(none)'}`,
  );
}

function englishOf(what: string): string {
  return (
    {
      正しい暗証番号を入力する: 'enter the correct PIN',
      誤った暗証番号を入力する: 'enter a wrong PIN',
      顔認証を選ぶ: 'choose face authentication',
      暗証番号を選ぶ: 'choose PIN entry',
      カメラに顔を向ける: 'have the face captured',
      同意する: 'answer consent',
    }[what] ?? what
  );
}

/** A step that shapes the installation must come before anything brings the terminal up. */
export function requireNotStarted(world: ReaderWorld, step: string): void {
  if (!world.started) return;
  throw new Error(
    `「${step}」は端末が起動する前に書いてください（「今日は…である」「運転モードを…に切り替えてある」や画面・患者のステップが端末を起動します）。既に起動しているので、このままでは反映されません。\n` +
      `"${step}" changes the installation, but the terminal is already up (a step before it started it); move it to the top of the scenario or background.`,
  );
}
