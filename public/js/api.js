// @ts-check
// The JSON API, as the page uses it: one fetch wrapper, the session's CSRF token on every change,
// and refusals as ApiError (code + the Japanese text the server gives for it).

/** @typedef {import('../../src/reader/screen-view').ScreenView} ScreenView */
/** @typedef {import('../../src/reader/screen-view').ScreenAction} ScreenAction */
/** @typedef {{ account: string, role: string, csrfToken: string }} Session */
/** @typedef {{ menu?: { readerOperation: boolean, qualificationInquiry: boolean } }} Status */
/** @typedef {{ name: string, label: string }} Choice */
/** @typedef {{ profiles: Choice[], conditions: Choice[] }} EmulatorInfo */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} messageJa what staff read
   */
  constructor(status, code, messageJa) {
    super(messageJa);
    this.status = status;
    this.code = code;
  }
}

/** @type {{ csrfToken: string | null, onUnauthorized: () => void }} */
export const apiState = { csrfToken: null, onUnauthorized: () => {} };

/** Words the page needs before the server can give any: static chrome in index.html. */
export function chrome(/** @type {string} */ key) {
  const el = document.getElementById('texts');
  return (el && el.dataset[key]) || '';
}

/**
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && apiState.csrfToken) headers['x-csrf-token'] = apiState.csrfToken;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', chrome('network'));
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: no data
  }
  if (!res.ok) {
    const code = (data && data.code) || `HTTP_${res.status}`;
    if (res.status === 401 && !path.startsWith('/api/session') && !path.startsWith('/api/setup')) apiState.onUnauthorized();
    throw new ApiError(res.status, code, (data && data.messageJa) || chrome('failed'));
  }
  return data;
}

/** @returns {Promise<ScreenView>} */
export const getScreen = () => api('GET', '/api/screen');

/** @param {ScreenAction} action @returns {Promise<ScreenView>} */
export const screenAction = (action) => api('POST', '/api/screen/actions', action);
