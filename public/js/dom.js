// @ts-check
// Small DOM helpers shared by the page's modules.

/**
 * An element that index.html is known to have.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return /** @type {T} */ (el);
}

/** @param {string} id @returns {HTMLInputElement} */
export const input = (id) => $(id);

/**
 * A refusal next to what caused it: the Japanese text, the code small beside it.
 * @param {HTMLElement} el
 * @param {{ code: string, message: string } | null} err
 */
export function showError(el, err) {
  el.replaceChildren();
  el.hidden = !err;
  if (!err) return;
  const text = document.createElement('strong');
  text.textContent = err.message;
  const code = document.createElement('small');
  code.className = 'code';
  code.lang = 'en';
  code.textContent = err.code;
  el.append(text, ' ', code);
}

/** @param {HTMLElement[]} els */
export function clearErrors(...els) {
  for (const el of els) showError(el, null);
}

/** Sets the text only when it changed (so live regions announce only news). @param {HTMLElement} el @param {string} text */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
