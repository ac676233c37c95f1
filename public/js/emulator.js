// @ts-check
// 患者の操作 — the embedded emulated reader's control panel (only when the product runs one).
// Its words are static chrome in index.html; cards and face conditions come from the server.
import { api, ApiError } from './api.js';
import { $, input, showError } from './dom.js';

/** @typedef {import('./api.js').EmulatorInfo} EmulatorInfo */

/** @param {HTMLSelectElement} sel @param {{ name: string, label: string }[]} items */
function fill(sel, items) {
  sel.replaceChildren(...items.map((i) => Object.assign(document.createElement('option'), { value: i.name, textContent: i.label })));
}

/** Shows the panel if the product has an emulator. @returns {Promise<boolean>} */
export async function loadEmulator() {
  /** @type {EmulatorInfo | null} */
  let info = null;
  try {
    // Only when the product runs an emulated reader: with a real one the page asks nothing that 404s.
    const status = /** @type {{ emulated?: boolean }} */ (await api('GET', '/api/status'));
    if (status.emulated) info = await api('GET', '/api/emulator');
  } catch {
    info = null;
  }
  $('emulator-panel').hidden = !info;
  if (info) {
    fill(/** @type {HTMLSelectElement} */ ($('emu-profile')), info.profiles || []);
    fill(/** @type {HTMLSelectElement} */ ($('emu-condition')), info.conditions || []);
  }
  return !!info;
}

/** @param {() => void} after called when the reader has answered */
export function wireEmulator(after) {
  const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('#emulator-panel button'));
  for (const b of buttons) {
    b.addEventListener('click', async () => {
      /** @type {Record<string, string>} */
      const body = { action: b.dataset.action || '' };
      if (body.action === 'placeCard') body.profile = input('emu-profile').value;
      if (body.action === 'presentFace') body.condition = input('emu-condition').value;
      if (body.action === 'enterFacilityPassword') {
        // Typed on the reader: sent once, never kept in the page.
        body.password = input('emu-facility-password').value;
        input('emu-facility-password').value = '';
      }
      if (b.dataset.method) body.method = b.dataset.method;
      if (b.dataset.choice) body.choice = b.dataset.choice;
      showError($('emu-error'), null);
      for (const x of buttons) x.disabled = true;
      try {
        await api('POST', '/api/emulator/stimulus', body);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        showError($('emu-error'), { code: e.code, message: e.message });
      } finally {
        for (const x of buttons) x.disabled = false;
      }
      after();
    });
  }
}
