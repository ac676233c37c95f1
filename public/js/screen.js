// @ts-check
// 《顔認証付きカードリーダー操作》: renders the server's screen model (GET /api/screen) and sends
// what staff do to it (POST /api/screen/actions). The rules, the words and the dialogs are all the
// model's (src/reader/operation-screen.ts); nothing here decides.
import { ApiError, getScreen, screenAction } from './api.js';
import * as dialog from './dialog.js';
import { $, input, setText, showError } from './dom.js';

/** @typedef {import('./api.js').ScreenView} ScreenView */
/** @typedef {import('./api.js').ScreenAction} ScreenAction */

/** @type {{ view: ScreenView | null, seq: number, applied: number, inFlight: number, renderedDate: string }} */
const state = { view: null, seq: 0, applied: 0, inFlight: 0, renderedDate: '' };

/** A later request's answer wins over an earlier one's, whichever arrives first. @param {number} seq @param {ScreenView} view */
function apply(seq, view) {
  if (seq < state.applied) return;
  state.applied = seq;
  state.view = view;
  render(view);
}

/** Fetches the model again (after a live event, or on opening the screen). */
export async function refresh() {
  const seq = ++state.seq;
  try {
    apply(seq, await getScreen());
  } catch (e) {
    if (e instanceof ApiError) showError($('check-error'), { code: e.code, message: e.message });
  }
}

/** @param {ScreenAction} action */
export async function send(action) {
  const seq = ++state.seq;
  state.inFlight++;
  /** @type {ScreenView | null} */
  let view = null;
  try {
    view = await screenAction(action);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    showError($(action.action === 'clickMode' ? 'mode-error' : 'check-error'), { code: e.code, message: e.message });
  } finally {
    state.inFlight--;
  }
  if (view) apply(seq, view);
}

/** Forgets the last account's screen (logout): no dialog stays open. */
export function reset() {
  state.view = null;
  state.applied = ++state.seq;
  dialog.render(null);
}

export function currentView() {
  return state.view;
}

/** @param {'ok' | 'cancel'} a */
async function onDialogAction(a) {
  const d = state.view && state.view.dialog;
  if (d && d.kind === 'switchDone' && d.mode) dialog.returnFocusTo(document.querySelector(`#modes button[data-mode="${d.mode}"]`));
  if (d && d.kind === 'visualDone') dialog.returnFocusTo($('date-text'));
  dialog.setSending(true);
  try {
    await send({ action: a });
  } finally {
    dialog.setSending(false);
  }
}

export function wireScreen() {
  dialog.wireDialog(onDialogAction);
  $('visually-confirmed').addEventListener('change', () => {
    send({ action: 'setVisuallyConfirmed', value: input('visually-confirmed').checked });
  });
  $('date-text').addEventListener('change', () => send({ action: 'setDate', text: input('date-text').value }));
  $('vpw-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const password = input('vpw-password').value;
    input('vpw-password').value = ''; // not kept on the page either
    send({ action: 'setVisualPassword', password });
  });
  $('date-picker').addEventListener('change', () => {
    const v = input('date-picker').value; // YYYY-MM-DD
    if (!v) return;
    input('date-text').value = v.replace(/-/g, '/');
    send({ action: 'setDate', text: input('date-text').value });
  });
}

/** @param {string} mode */
function modeButton(mode) {
  const box = $('modes');
  let b = /** @type {HTMLButtonElement | null} */ (box.querySelector(`button[data-mode="${mode}"]`));
  if (!b) {
    b = document.createElement('button');
    b.type = 'button';
    b.className = 'mode';
    b.dataset.mode = mode;
    b.addEventListener('click', () => {
      dialog.returnFocusTo(b);
      send({ action: 'clickMode', mode });
    });
    box.append(b);
  }
  return b;
}

/** @param {ScreenView} v */
export function render(v) {
  // 《現在のモード》: the active mode is the green button (P104-2, P113-1); only 管理者 may click.
  for (const m of v.buttons) {
    const b = modeButton(m.mode);
    setText(b, m.label);
    b.classList.toggle('active', m.green);
    b.setAttribute('aria-pressed', String(m.green));
    b.disabled = !m.enabled;
  }
  setText($('mode-now'), v.modeText);
  $('mode-role-note').hidden = v.buttons.every((b) => b.enabled);
  setText($('mode-notice'), v.notice || '');

  const field = v.error ? v.error.field : null;
  showError($('mode-error'), field === 'mode' ? v.error : null);
  showError($('date-error'), field === 'date' ? v.error : null);
  showError($('check-error'), v.error && field !== 'mode' && field !== 'date' && field !== 'visualPassword' ? v.error : null);
  // The reader-side 目視確認's password: set or not, and (管理者 only) a form; the view never holds it.
  setText($('vpw-status'), v.visualPassword.text);
  $('vpw-form').hidden = !v.visualPassword.canSet;
  showError($('vpw-error'), field === 'visualPassword' ? v.error : null);
  if (field === 'date') $('date-text').setAttribute('aria-invalid', 'true');
  else $('date-text').removeAttribute('aria-invalid');

  renderAlerts(v);

  // 《目視確認時利用項目》 (P106, P113-2)
  const vi = v.visualItems;
  /** @type {HTMLFieldSetElement} */ ($('visual-items')).disabled = !vi.enabled;
  $('visual-off-note').hidden = vi.enabled;
  const date = input('date-text');
  // What staff are typing stays until they leave the field; then the model's text is shown.
  if (document.activeElement !== date || date.value === state.renderedDate) date.value = vi.date;
  state.renderedDate = vi.date;
  const picker = input('date-picker');
  picker.value = /^\d{4}\/\d{2}\/\d{2}$/.test(vi.date) ? vi.date.replace(/\//g, '-') : '';
  picker.max = vi.today.replace(/\//g, '-');
  picker.min = vi.earliest.replace(/\//g, '-');
  if (state.inFlight === 0) input('visually-confirmed').checked = vi.visuallyConfirmed;
  setText($('check-status'), vi.status);

  setText($('reader-identity'), v.reader.identity);
  for (const o of document.querySelectorAll('.reader-screen')) setText(/** @type {HTMLElement} */ (o), v.reader.screen);
  renderEvents(v);
  renderRecords(v);
  dialog.render(v.dialog);
}

/** @param {ScreenView} v */
function renderAlerts(v) {
  const box = $('alerts');
  const key = JSON.stringify(v.alerts);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(
    ...v.alerts.map((a) => {
      const div = document.createElement('div');
      div.className = `banner ${a.level}`;
      div.dataset.code = a.code;
      div.setAttribute('role', a.level === 'warn' ? 'status' : 'alert');
      div.textContent = a.message;
      if (a.cause) {
        // Why the reader cannot be reached, in Japanese, its code small beside it.
        const cause = document.createElement('span');
        cause.className = 'cause';
        const code = document.createElement('small');
        code.className = 'code';
        code.lang = 'en';
        code.textContent = a.cause.code;
        cause.append(a.cause.message, ' ', code);
        div.append(cause);
      }
      return div;
    }),
  );
}

/** @param {ScreenView} v */
function renderEvents(v) {
  const list = $('event-log');
  const key = JSON.stringify(v.events[0] || null) + v.events.length;
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(
      ...v.events.map((e) => {
        const li = document.createElement('li');
        if (e.tone) li.className = e.tone;
        const t = document.createElement('time');
        t.textContent = e.at;
        li.append(t, ' ', e.text);
        return li;
      }),
    );
  }
  list.hidden = v.events.length === 0;
  setText($('events-empty'), v.eventsEmpty);
  $('events-empty').hidden = v.events.length > 0;
}

/** @param {ScreenView} v */
function renderRecords(v) {
  const table = /** @type {HTMLTableElement} */ ($('records'));
  const body = table.tBodies[0];
  if (!body) return;
  const key = JSON.stringify(v.records);
  if (table.dataset.key !== key) {
    table.dataset.key = key;
    body.replaceChildren(
      ...v.records.map((r) => {
        const tr = document.createElement('tr');
        tr.className = r.failed ? 'failed' : 'ok';
        for (const text of [r.at, r.method, r.result, r.confirmationDate, r.operator, r.consent]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
  }
  setText($('records-empty'), v.recordsEmpty);
  $('records-empty').hidden = v.records.length > 0;
  table.hidden = v.records.length === 0;
}
