// @ts-check
// 資格確認端末 — the browser side of 《顔認証付きカードリーダー操作》 (manual chapter 7, P.104–P.113):
// setup, login, the menu, and the operation screen, which is the server's screen model rendered
// (screen.js). Live events only tell the page to fetch the model again.
import { api, ApiError, apiState, chrome } from './api.js';
import { $, clearErrors, input, showError } from './dom.js';
import { loadEmulator, wireEmulator } from './emulator.js';
import * as screen from './screen.js';

/** @typedef {import('./api.js').Session} Session */
/** @typedef {'setup' | 'login' | 'menu' | 'operation'} ViewName */

/** @type {{ session: Session | null, view: ViewName | null, es: EventSource | null, menu: { readerOperation: boolean, qualificationInquiry: boolean } | null }} */
const state = { session: null, view: null, es: null, menu: null };

/** @param {ViewName} view */
function show(view, focus = true) {
  state.view = view;
  $('loading').hidden = true;
  for (const v of ['setup', 'login', 'menu', 'operation']) $(`view-${v}`).hidden = v !== view;
  // A reload comes back to the same screen (the hash says which).
  if (view === 'menu' || view === 'operation') history.replaceState(null, '', `#${view}`);
  else if (location.hash) history.replaceState(null, '', location.pathname);
  if (view === 'operation') screen.refresh();
  if (focus) {
    const first = view === 'login' ? $('login-account') : view === 'setup' ? $('setup-token') : $(`view-${view}`).querySelector('h1');
    if (first instanceof HTMLElement) first.focus();
  }
}

function renderChrome() {
  const s = state.session;
  $('who').hidden = $('logout').hidden = $('live-state').hidden = !s;
  if (!s) return;
  $('who-account').textContent = s.account;
  const v = screen.currentView();
  $('who-role').textContent = v ? v.user.roleLabel : '';
  $('who-role-wrap').hidden = !v;
  const menu = state.menu;
  $('menu-operation-item').hidden = !(menu && menu.readerOperation);
  $('menu-no-software').hidden = !!(menu && menu.readerOperation);
  $('menu-inquiry').hidden = !(menu && menu.qualificationInquiry);
}

async function refreshStatus() {
  try {
    const status = await api('GET', '/api/status');
    state.menu = status.menu || null;
  } catch {
    /* the next action shows the problem */
  }
  renderChrome();
}

let pending = false;
/** Many events in a row cost one fetch of the model. */
function refreshSoon() {
  if (pending) return;
  pending = true;
  queueMicrotask(async () => {
    pending = false;
    if (state.view === 'operation') await screen.refresh();
    renderChrome();
  });
}

/** @param {boolean} on */
function setLive(on) {
  const el = $('live-state');
  el.textContent = (on ? el.dataset.on : el.dataset.off) || '';
  el.classList.toggle('off', !on);
}

const EVENTS = ['status', 'modeChanged', 'readerEvent', 'record', 'visualCheck', 'alert', 'readerConnected', 'readerDisconnected'];

function connectEvents() {
  if (state.es) state.es.close();
  const es = new EventSource('/api/events');
  state.es = es;
  for (const type of EVENTS) {
    es.addEventListener(type, () => {
      if (type === 'status' || type === 'modeChanged') refreshStatus();
      refreshSoon();
    });
  }
  es.onopen = () => setLive(true);
  es.onerror = () => {
    if (state.es !== es) return;
    setLive(false);
    if (es.readyState !== EventSource.CLOSED) return;
    // The server refused the stream (e.g. the session ended): check, then try again.
    setTimeout(async () => {
      if (state.es !== es) return;
      try {
        await api('GET', '/api/session');
        connectEvents();
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) sessionLost();
        else setTimeout(connectEvents, 3000);
      }
    }, 1500);
  };
}

/** @param {Session} session */
async function enter(session) {
  state.session = session;
  apiState.csrfToken = session.csrfToken;
  await refreshStatus();
  await loadEmulator();
  connectEvents();
  setLive(false);
  if (state.menu && state.menu.readerOperation) await screen.refresh();
  const wanted = location.hash === '#operation' && state.menu && state.menu.readerOperation ? 'operation' : 'menu';
  show(wanted);
  renderChrome();
}

/** @param {string} note */
function leave(note) {
  if (state.es) state.es.close();
  Object.assign(state, { es: null, session: null, menu: null });
  apiState.csrfToken = null;
  screen.reset();
  $('login-note').textContent = note;
  /** @type {HTMLFormElement} */ ($('login-form')).reset();
  clearErrors($('login-error'));
  renderChrome();
  show('login');
}

function sessionLost() {
  if (state.session) leave(chrome('expired'));
}
apiState.onUnauthorized = sessionLost;

/** @param {string} errorId @param {() => Promise<void>} fn @param {HTMLElement} focusOnError */
async function submit(errorId, fn, focusOnError) {
  clearErrors($(errorId));
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    showError($(errorId), { code: e.code, message: e.message });
    focusOnError.focus();
  }
}

function wire() {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { account: input('login-account').value.trim(), password: input('login-password').value };
    submit('login-error', async () => enter(await api('POST', '/api/session', body)), $('login-password')).finally(() => {
      if (!state.session) input('login-password').value = '';
    });
  });
  $('setup-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { setupToken: input('setup-token').value.trim(), account: input('setup-account').value.trim(), password: input('setup-password').value };
    submit('setup-error', async () => enter(await api('POST', '/api/setup', body)), $('setup-token'));
  });
  $('logout').addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/session');
    } catch {
      /* leaving anyway */
    }
    leave(chrome('loggedOut'));
  });
  $('open-operation').addEventListener('click', () => show('operation'));
  $('open-inquiry').addEventListener('click', () => ($('inquiry-note').hidden = false));
  $('back-to-menu').addEventListener('click', () => show('menu'));
  screen.wireScreen();
  wireEmulator(refreshSoon);
  window.addEventListener('pagehide', () => state.es && state.es.close());
}

async function boot() {
  wire();
  try {
    const setup = await api('GET', '/api/setup');
    if (setup && setup.needsAdmin) return show('setup');
  } catch {
    /* a server without first-start setup */
  }
  try {
    await enter(await api('GET', '/api/session'));
  } catch {
    show('login', false);
  }
}

boot().catch((e) => {
  $('loading').hidden = true;
  showError($('boot-error'), { code: e instanceof ApiError ? e.code : 'BOOT', message: e instanceof ApiError ? e.message : chrome('failed') });
});
