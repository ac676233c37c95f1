// @ts-check
// The modal dialog follows the screen model's dialog (P104-4/5, P106-5/6, P108-3/4, P113-3): it is
// open exactly while view.dialog is set. Escape is キャンセル where the dialog has one and nothing
// otherwise; a dialog closed by the browser while the model still has one opens again.
import { chrome } from './api.js';
import { $ } from './dom.js';

/** @typedef {import('../../src/reader/screen-view').ScreenDialogView} DialogView */

/** @type {{ current: DialogView | null, key: string, returnFocus: Element | null, onAction: (a: 'ok' | 'cancel') => void, sending: boolean }} */
const state = { current: null, key: '', returnFocus: null, onAction: () => {}, sending: false };

const dlg = () => /** @type {HTMLDialogElement} */ ($('dialog'));

/** @param {(a: 'ok' | 'cancel') => void} onAction */
export function wireDialog(onAction) {
  state.onAction = onAction;
  $('dialog-ok').addEventListener('click', () => act('ok'));
  $('dialog-cancel').addEventListener('click', () => act('cancel'));
  // Handled on keydown so the browser's own Escape handling (which closes a dialog after a few
  // refused cancels) never sees it.
  dlg().addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    ev.stopPropagation();
    if (state.current && state.current.actions.includes('cancel')) act('cancel');
  });
  dlg().addEventListener('cancel', (ev) => ev.preventDefault());
  dlg().addEventListener('close', () => {
    if (state.current) dlg().showModal();
  });
}

/** @param {'ok' | 'cancel'} a */
function act(a) {
  const d = state.current;
  if (!d || d.busy || state.sending || !d.actions.includes(a)) return;
  state.onAction(a);
}

/** The page is waiting for the answer to OK/キャンセル. @param {boolean} on */
export function setSending(on) {
  state.sending = on;
  render(state.current);
}

/** Where focus goes when the dialog closes. @param {Element | null} el */
export function returnFocusTo(el) {
  state.returnFocus = el;
}

/** @param {DialogView | null} d */
export function render(d) {
  state.current = d;
  const el = dlg();
  if (!d) {
    state.key = '';
    if (el.open) el.close();
    const back = state.returnFocus;
    state.returnFocus = null;
    if (back instanceof HTMLElement && document.contains(back)) back.focus();
    return;
  }
  const busy = d.busy || state.sending;
  $('dialog-title').textContent = d.title;
  $('dialog-message').textContent = d.detail || d.message;
  $('dialog-warning').textContent = d.warning || '';
  $('dialog-warning').hidden = !d.warning;
  $('dialog-cancel').hidden = !d.actions.includes('cancel');
  /** @type {HTMLButtonElement} */ ($('dialog-ok')).disabled = busy;
  /** @type {HTMLButtonElement} */ ($('dialog-cancel')).disabled = busy;
  $('dialog-busy').textContent = busy ? chrome('busy') : '';
  if (!el.open) {
    if (!state.returnFocus) state.returnFocus = document.activeElement;
    el.showModal();
  }
  const key = `${d.kind}:${d.mode || ''}`;
  if (state.key !== key) {
    state.key = key;
    $('dialog-ok').focus();
  } else if (!busy && !el.contains(document.activeElement)) $('dialog-ok').focus();
}
