// 資格確認端末 — the browser side of 《顔認証付きカードリーダー操作》 (manual chapter 7, P.104–P.113).
// No framework: one state object, render functions that set the DOM from it, and the JSON API.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);

  // Japanese words for the API's code names (docs/glossary.md; src/reader/labels.ts, src/protocol).
  const MODE_LABELS = { unattended: '無人運転', visual: '目視確認', pinOnly: '暗証番号認証固定' };
  const ROLE_LABELS = { admin: '管理者', general: '一般' };
  const METHOD_LABELS = { face: '顔認証', pin: '暗証番号', visual: '目視確認' };
  const METHOD_IDS = { 1: 'face', 2: 'pin', 3: 'visual' };
  const FAIL_LABELS = {
    faceMismatch: '照合エラー', pinLocked: '暗証番号ロック', certExpired: '電子証明書の有効期限切れ',
    notMyNumberCard: 'マイナンバーカード以外', staffRequired: '職員による目視確認が必要', cardRemoved: 'カードが取り外された', cancelled: '中止',
    noPin: '暗証番号のないカード（顔認証マイナンバーカード）',
  };
  const FAIL_IDS = { 1: 'faceMismatch', 2: 'pinLocked', 3: 'certExpired', 4: 'notMyNumberCard', 5: 'staffRequired', 6: 'cardRemoved', 7: 'cancelled', 8: 'noPin' };
  const CARD_KINDS = { 1: 'マイナンバーカード', 2: '顔認証マイナンバーカード', 3: 'マイナンバーカード以外' };
  const CONSENT_LABELS = { all: '全て同意する', individual: '個別に同意する' };
  // The reader's patient screens, name → [id, text], from the one catalogue in src/protocol/screens.ts
  // (GET /api/screens at boot), so a wording change there shows here too.
  let SCREENS = {};
  let SCREEN_BY_ID = {};
  // What staff should understand from a refusal; the code and the server's message follow it.
  const HINTS = {
    OQS_ERR_ADMIN_REQUIRED: 'モードの切替えは管理者アカウントでのみ行えます。',
    OQS_ERR_DATE_FORMAT: '資格確認日は西暦年月日をスラッシュ区切りで入力してください（例：2020/10/30）。',
    OQS_ERR_DATE_FUTURE: '資格確認日に未来の日付は指定できません。本日以前の日付を入力してください。',
    OQS_ERR_NOT_VISUALLY_CONFIRMED: '《目視で本人確認完了》をチェックしてください。',
    OQS_ERR_NOT_VISUAL_MODE: '目視確認モードではありません。',
    OQS_ERR_VISUAL_CHECK_STATE: '今はその操作ができません。',
    OQS_ERR_READER_BUSY: 'リーダーで患者が本人確認中です。終わってから切り替えてください。',
    OQS_ERR_NO_READER: '顔認証付きカードリーダーが接続されていません。',
    OQS_ERR_BAD_CREDENTIALS: 'アカウントまたはパスワードが違います。',
    OQS_ERR_TOO_MANY_ATTEMPTS: 'ログインの失敗が続いたため、しばらくログインできません。時間をおいてください。',
    OQS_ERR_UNAUTHENTICATED: 'ログインしてください。',
    OQS_ERR_STIMULUS_REFUSED: 'リーダーは今その操作を受け付けません。',
    OQS_ERR_CSRF: '画面を読み込み直してから、もう一度操作してください。',
    OQS_ERR_SETUP_TOKEN: 'セットアップトークンが違います。端末の起動時に表示されたトークンを入力してください。',
    OQS_ERR_SETUP_DONE: '管理者アカウントは作成済みです。ログインしてください。',
    OQS_ERR_ACCOUNT: 'このアカウントは作成できません（アカウント名は半角英数字と . _ - で 32 文字まで、パスワードは 8 文字以上）。',
    NETWORK: '端末のサーバーに接続できません。',
  };

  const state = {
    session: null, // {account, role, csrfToken}
    status: null,
    records: [],
    emulator: null, // {profiles, conditions} or null
    view: null,
    localDialog: null, // {kind:'confirmSwitch'|'switchDone', mode}
    busy: false,
    checkPending: false,
    matchNotice: false,
    es: null,
    returnFocus: null,
  };

  // ---- API --------------------------------------------------------------------------------------

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && state.session && state.session.csrfToken) headers['x-csrf-token'] = state.session.csrfToken;
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw Object.assign(new Error('the terminal server cannot be reached'), { status: 0, code: 'NETWORK' });
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      const err = Object.assign(new Error((data && data.message) || res.statusText), { status: res.status, code: (data && data.code) || `HTTP_${res.status}` });
      if (res.status === 401 && state.session && !path.startsWith('/api/session') && !path.startsWith('/api/setup')) sessionLost();
      throw err;
    }
    return data;
  }

  function showError(el, err) {
    el.replaceChildren();
    const head = document.createElement('strong');
    head.textContent = HINTS[err.code] || '操作できませんでした。';
    const detail = document.createElement('span');
    detail.className = 'code';
    detail.textContent = `${err.code}: ${err.message}`;
    el.append(head, ' ', detail);
    el.hidden = false;
  }
  function clearError(...els) { for (const el of els) { el.hidden = true; el.replaceChildren(); } }

  // ---- views ------------------------------------------------------------------------------------

  function show(view, { focus = true } = {}) {
    state.view = view;
    $('loading').hidden = true;
    for (const v of ['setup', 'login', 'menu', 'operation']) $(`view-${v}`).hidden = v !== view;
    if (focus) {
      const first = view === 'login' ? $('login-account') : view === 'setup' ? $('setup-token') : $(`view-${view}`).querySelector('h1');
      first.focus();
    }
    render();
  }

  function todayText() {
    if (state.status && state.status.today) return state.status.today;
    const d = new Date(Date.now() + 9 * 3600e3); // JST
    return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  }

  function setDate(text) {
    $('date-text').value = text;
    $('date-picker').value = /^\d{4}\/\d{2}\/\d{2}$/.test(text) ? text.replace(/\//g, '-') : '';
  }

  const timeFmt = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const fmtTime = (iso) => { const d = iso ? new Date(iso) : new Date(); return Number.isNaN(d.getTime()) ? '' : timeFmt.format(d); };

  function render() {
    const s = state.status;
    const session = state.session;
    $('who').hidden = $('logout').hidden = !session;
    if (session) $('who').textContent = `${session.account}（${ROLE_LABELS[session.role] || session.role}）`;
    if (!s) return;

    // 【メニュー】 (P104-1, P102-4)
    const readerMenu = !!(s.menu && s.menu.readerOperation);
    $('menu-operation-item').hidden = !readerMenu;
    $('menu-no-software').hidden = readerMenu;
    $('menu-inquiry').hidden = !(s.menu && s.menu.qualificationInquiry);

    // 《現在のモード》: the active mode is the green button (P104-2, P113-1)
    for (const b of document.querySelectorAll('button.mode')) {
      const on = b.dataset.mode === s.mode;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    }
    $('mode-now').textContent = `現在のモード：${MODE_LABELS[s.mode] || s.mode}モード`;
    $('mode-role-note').hidden = !session || session.role === 'admin';

    renderAlerts(s);

    // 《目視確認時利用項目》 (P106, P113-2)
    const vc = s.visualCheck || { state: 'idle' };
    const visual = s.mode === 'visual';
    $('visual-items').disabled = !visual;
    $('visual-off-note').hidden = visual;
    if (!state.checkPending) $('visually-confirmed').checked = vc.state !== 'idle';
    $('date-picker').max = todayText().replace(/\//g, '-');
    let note = '';
    if (vc.state === 'awaitingCard') note = `資格確認日 ${vc.confirmationDate}：患者にマイナンバーカードを顔認証付きカードリーダーに置いてもらってください。`;
    else if (vc.state === 'awaitingConfirmation') note = 'マイナンバーカードがセットされました。';
    else if (vc.state === 'executing') note = '本人確認を実行しています…';
    if (vc.lastFailure) note = `${note} 前のカードは本人確認できませんでした（${vc.lastFailure}）。`.trim();
    $('check-status').textContent = note;

    // reader
    const reader = (s.readers || [])[0];
    $('reader-identity').textContent = reader
      ? `${reader.vendor} ${reader.model}（ファームウェア ${reader.firmware}、製造番号 ${reader.serial}）${s.emulated ? '— エミュレータ' : ''}`
      : '顔認証付きカードリーダーが接続されていません。';
    const screen = reader && reader.screen ? (SCREENS[reader.screen] || [0, reader.screen])[1] : '—';
    for (const o of document.querySelectorAll('.reader-screen')) o.textContent = screen;

    $('emulator-panel').hidden = !state.emulator;
    renderRecords();
    renderDialog();
  }

  function renderAlerts(s) {
    const box = $('alerts');
    box.replaceChildren();
    const alerts = [...(s.alerts || [])];
    if (state.matchNotice && !alerts.some((a) => a.code === 'visualCheckNeeded')) {
      alerts.push({ code: 'matchError', message: '照合エラー：顔認証で本人確認できませんでした。暗証番号でも確認できない場合は、目視確認モードに切り替えて職員が目視で本人確認してください（目視確認が必要）。' });
    }
    for (const a of alerts) {
      const div = document.createElement('div');
      div.className = `banner ${a.code === 'visualModeOn' ? 'warn' : 'alarm'}`;
      div.dataset.code = a.code;
      div.setAttribute('role', a.code === 'visualModeOn' ? 'status' : 'alert');
      div.textContent = a.message;
      box.append(div);
    }
  }

  function renderRecords() {
    const body = $('records').tBodies[0];
    body.replaceChildren();
    for (const r of [...state.records].reverse()) {
      const tr = document.createElement('tr');
      const ok = r.outcome === 'confirmed';
      const cells = [
        fmtTime(r.finishedAt),
        r.method ? METHOD_LABELS[r.method] || r.method : '—',
        ok ? '本人確認済み' : `できませんでした（${FAIL_LABELS[r.failReason] || r.failReason || '不明'}）`,
        r.confirmationDate || '',
        r.operator || '—',
        r.consent ? CONSENT_LABELS[r.consent] : '—',
      ];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.className = ok ? 'ok' : 'failed';
      body.append(tr);
    }
    $('records-empty').hidden = state.records.length > 0;
    $('records').hidden = state.records.length === 0;
  }

  // ---- dialogs (P104-4/5, P106-5/6, P108-3/4, P113-3) -------------------------------------------

  function currentDialog() {
    if (state.view !== 'operation') return null;
    if (state.localDialog) return state.localDialog;
    const vc = state.status && state.status.visualCheck;
    if (vc && (vc.state === 'awaitingConfirmation' || vc.state === 'executing')) return { kind: 'confirmVisual', busy: vc.state === 'executing' };
    if (vc && vc.state === 'completed') return { kind: 'visualDone' };
    return null;
  }

  function renderDialog() {
    const dlg = $('dialog');
    const d = currentDialog();
    if (!d) {
      if (dlg.open) dlg.close();
      if (dlg.dataset.kind) {
        dlg.dataset.kind = '';
        const back = state.returnFocus;
        state.returnFocus = null;
        if (back && document.contains(back)) back.focus();
      }
      return;
    }
    const label = MODE_LABELS[d.mode];
    const texts = {
      confirmSwitch: ['確認', `${label}モードに切り替えます。よろしいですか？`, true],
      switchDone: ['切替えを完了する', `${label}モードへの切替えが完了しました`, false],
      confirmVisual: ['本人確認を実行する', 'マイナンバーカードがセットされました。目視で確認した患者の本人確認を実行します。よろしいですか？', true],
      visualDone: ['本人確認を完了する', '本人確認が完了しました。', false],
    }[d.kind];
    const busy = state.busy || !!d.busy;
    $('dialog-title').textContent = texts[0];
    $('dialog-message').textContent = texts[1];
    $('dialog-cancel').hidden = !texts[2];
    $('dialog-ok').disabled = busy;
    $('dialog-cancel').disabled = busy;
    $('dialog-busy').textContent = busy ? '処理しています…' : '';
    const key = `${d.kind}:${d.mode || ''}`;
    if (!dlg.open) {
      if (!state.returnFocus) state.returnFocus = document.activeElement;
      dlg.showModal();
    }
    if (dlg.dataset.kind !== key) {
      dlg.dataset.kind = key;
      $('dialog-ok').focus();
    } else if (!busy && !dlg.contains(document.activeElement)) $('dialog-ok').focus();
  }

  async function withBusy(fn) {
    state.busy = true;
    render();
    try { await fn(); } finally { state.busy = false; render(); }
  }

  async function onDialogOk() {
    const d = currentDialog();
    if (!d || state.busy || d.busy) return;
    if (d.kind === 'confirmSwitch') {
      await withBusy(async () => {
        try {
          await api('PUT', '/api/mode', { mode: d.mode });
          state.localDialog = { kind: 'switchDone', mode: d.mode };
        } catch (e) {
          state.localDialog = null;
          showError($('mode-error'), e);
        }
        await refreshStatus();
      });
    } else if (d.kind === 'switchDone') {
      state.localDialog = null;
      state.returnFocus = document.querySelector(`button.mode[data-mode="${d.mode}"]`);
      render();
    } else if (d.kind === 'confirmVisual') {
      await withBusy(async () => {
        try { await api('POST', '/api/visual-check/confirm'); } catch (e) { showError($('check-error'), e); }
        await refreshStatus();
      });
    } else if (d.kind === 'visualDone') {
      await withBusy(async () => {
        try {
          await api('POST', '/api/visual-check/complete');
          // P106-7: back to the screen, ready for the next patient.
          setDate(todayText());
          $('visually-confirmed').checked = false;
          state.returnFocus = $('date-text');
        } catch (e) { showError($('check-error'), e); }
        await Promise.all([refreshStatus(), refreshRecords()]);
      });
    }
  }

  async function onDialogCancel() {
    const d = currentDialog();
    if (!d || state.busy || d.busy) return;
    if (d.kind === 'confirmSwitch') {
      state.localDialog = null;
      render();
    } else if (d.kind === 'confirmVisual') {
      await withBusy(async () => {
        try { await api('DELETE', '/api/visual-check'); } catch (e) { showError($('check-error'), e); }
        await refreshStatus();
      });
    }
  }

  // ---- the screen's actions ---------------------------------------------------------------------

  function onModeClick(ev) {
    const mode = ev.currentTarget.dataset.mode;
    clearError($('mode-error'));
    if (!state.status || mode === state.status.mode) return;
    state.returnFocus = ev.currentTarget;
    state.localDialog = { kind: 'confirmSwitch', mode };
    render();
  }

  async function arm() {
    const box = $('visually-confirmed');
    clearError($('date-error'), $('check-error'));
    $('date-text').removeAttribute('aria-invalid');
    state.checkPending = true;
    try {
      await api('POST', '/api/visual-check', { confirmationDate: $('date-text').value.trim(), visuallyConfirmed: true });
    } catch (e) {
      box.checked = false;
      const dateProblem = /^OQS_ERR_DATE_/.test(e.code);
      showError(dateProblem ? $('date-error') : $('check-error'), e);
      if (dateProblem) $('date-text').setAttribute('aria-invalid', 'true');
      // The reader must not keep a check the screen no longer shows.
      if (state.status && state.status.visualCheck && state.status.visualCheck.state === 'awaitingCard') await api('DELETE', '/api/visual-check').catch(() => undefined);
      if (dateProblem) $('date-text').focus();
    } finally {
      state.checkPending = false;
    }
    await refreshStatus();
  }

  async function onCheckChange() {
    if ($('visually-confirmed').checked) return arm();
    clearError($('check-error'));
    state.checkPending = true;
    try { await api('DELETE', '/api/visual-check'); } catch (e) { showError($('check-error'), e); } finally { state.checkPending = false; }
    await refreshStatus();
  }

  async function onDateChange() {
    clearError($('date-error'));
    $('date-text').removeAttribute('aria-invalid');
    setDate($('date-text').value.trim());
    if ($('visually-confirmed').checked) await arm();
  }

  async function onPicker() {
    const v = $('date-picker').value; // YYYY-MM-DD
    if (!v) return;
    $('date-text').value = v.replace(/-/g, '/');
    await onDateChange();
  }

  async function onStimulus(ev) {
    const b = ev.currentTarget;
    const body = { action: b.dataset.action };
    if (body.action === 'placeCard') body.profile = $('emu-profile').value;
    if (body.action === 'presentFace') body.condition = $('emu-condition').value;
    if (b.dataset.method) body.method = b.dataset.method;
    if (b.dataset.choice) body.choice = b.dataset.choice;
    clearError($('emu-error'));
    const buttons = document.querySelectorAll('#emulator-panel button');
    for (const x of buttons) x.disabled = true;
    try {
      await api('POST', '/api/emulator/stimulus', body);
    } catch (e) {
      showError($('emu-error'), e);
    } finally {
      for (const x of buttons) x.disabled = false;
    }
    await refreshStatus();
  }

  // ---- data and live events ---------------------------------------------------------------------

  let statusInFlight = null;
  let statusAgain = false;
  async function refreshStatus() {
    if (statusInFlight) { statusAgain = true; return statusInFlight; }
    statusInFlight = (async () => {
      do {
        statusAgain = false;
        try { state.status = await api('GET', '/api/status'); } catch { /* shown by the next action */ }
      } while (statusAgain);
      statusInFlight = null;
      render();
    })();
    return statusInFlight;
  }

  async function refreshRecords() {
    try {
      const r = await api('GET', '/api/records?day=today');
      state.records = (r && r.records) || [];
    } catch { /* keep the last list */ }
    render();
  }

  function log(text, kind = '') {
    const li = document.createElement('li');
    if (kind) li.className = kind;
    const t = document.createElement('time');
    t.textContent = fmtTime();
    li.append(t, ' ', text);
    const list = $('event-log');
    list.prepend(li);
    while (list.children.length > 40) list.lastElementChild.remove();
  }

  function describeReaderEvent(name, f) {
    switch (name) {
      case 'cardPlaced': return `カードが置かれました（${CARD_KINDS[f.cardKind] || 'カード'}）`;
      case 'cardRemoved': return 'カードが取り外されました';
      case 'methodChosen': return `本人確認の方法：${METHOD_LABELS[METHOD_IDS[f.method]] || '不明'}`;
      case 'faceResult': return f.matched ? '顔認証：一致しました' : '顔認証：一致しませんでした';
      case 'pinResult': return f.ok ? '暗証番号：正しく入力されました' : `暗証番号：誤りです（残り ${f.triesLeft} 回）`;
      case 'identityConfirmed': return `本人確認が完了しました（${METHOD_LABELS[METHOD_IDS[f.method]] || '不明'}）`;
      case 'identityFailed': return `本人確認ができませんでした（${FAIL_LABELS[FAIL_IDS[f.reason]] || '不明'}）`;
      case 'consentGiven': return `同意：${f.choice === 1 ? '全て同意する' : '個別に同意する'}`;
      case 'screenShown': { const n = SCREEN_BY_ID[f.screen]; return `リーダー画面：${n ? SCREENS[n][1] : f.screen}`; }
      case 'readerError': return 'リーダーがエラーを報告しました';
      default: return `リーダー：${name}`;
    }
  }

  function onEvent(type, data) {
    switch (type) {
      case 'status':
        if (data && data.mode) state.status = data;
        render();
        return;
      case 'readerEvent': {
        const f = data.fields || {};
        const bad = data.name === 'identityFailed' || (data.name === 'screenShown' && (f.screen === 4 || f.screen === 7 || f.screen === 8));
        log(describeReaderEvent(data.name, f), bad ? 'bad' : data.name === 'identityConfirmed' ? 'good' : '');
        if (data.name === 'screenShown' && state.status) {
          const reader = (state.status.readers || []).find((r) => r.path === data.path) || (state.status.readers || [])[0];
          if (reader) reader.screen = SCREEN_BY_ID[f.screen] || reader.screen;
          if (f.screen === 4) state.matchNotice = true;
        }
        if (data.name === 'identityFailed' && FAIL_IDS[f.reason] === 'faceMismatch') state.matchNotice = true;
        if (data.name === 'cardPlaced' || data.name === 'identityConfirmed') state.matchNotice = false;
        render();
        refreshStatus();
        return;
      }
      case 'visualCheck':
        if (state.status && data.view) state.status.visualCheck = data.view;
        render();
        refreshStatus();
        return;
      case 'modeChanged': {
        const c = data.change || data;
        log(`モードを切り替えました：${MODE_LABELS[c.from] || c.from} → ${MODE_LABELS[c.to] || c.to}（${c.by}）`);
        refreshStatus();
        return;
      }
      case 'record':
        refreshRecords();
        return;
      case 'alert':
        if (data.alert) log(data.alert.message, 'bad');
        refreshStatus();
        return;
      case 'readerConnected':
        log('顔認証付きカードリーダーが接続されました');
        refreshStatus();
        return;
      case 'readerDisconnected':
        log('顔認証付きカードリーダーの接続が切れました', 'bad');
        refreshStatus();
        return;
    }
  }

  function setLive(on) {
    $('live-state').hidden = !state.session;
    $('live-state').textContent = on ? '● 接続中' : '○ 再接続しています…';
    $('live-state').classList.toggle('off', !on);
  }

  function connectEvents() {
    if (state.es) state.es.close();
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/events');
    state.es = es;
    for (const type of ['status', 'modeChanged', 'readerEvent', 'record', 'visualCheck', 'alert', 'readerConnected', 'readerDisconnected']) {
      es.addEventListener(type, (ev) => {
        let data;
        try { data = JSON.parse(ev.data); } catch { return; }
        onEvent(type, data || {});
      });
    }
    es.onopen = () => { setLive(true); refreshRecords(); };
    es.onerror = () => {
      if (state.es !== es) return;
      setLive(false);
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream (e.g. the session ended): check, then try again.
        setTimeout(async () => {
          if (state.es !== es) return;
          try { await api('GET', '/api/session'); connectEvents(); } catch (e) { if (e.status === 401) sessionLost(); else setTimeout(connectEvents, 3000); }
        }, 1500);
      }
    };
  }

  // ---- sessions ---------------------------------------------------------------------------------

  async function enter(session) {
    state.session = session;
    state.localDialog = null;
    state.matchNotice = false;
    $('event-log').replaceChildren();
    clearError($('mode-error'), $('date-error'), $('check-error'), $('emu-error'));
    await refreshStatus();
    try {
      state.emulator = await api('GET', '/api/emulator');
      fillSelect($('emu-profile'), state.emulator.profiles || []);
      fillSelect($('emu-condition'), state.emulator.conditions || []);
    } catch { state.emulator = null; }
    setDate(todayText());
    await refreshRecords();
    connectEvents();
    setLive(false);
    show('menu');
  }

  function fillSelect(sel, items) {
    sel.replaceChildren(...items.map((i) => Object.assign(document.createElement('option'), { value: i.name, textContent: i.label })));
  }

  function leave(note) {
    if (state.es) state.es.close();
    state.es = null;
    state.session = null;
    state.status = null;
    state.records = [];
    state.localDialog = null;
    $('live-state').hidden = true;
    if ($('dialog').open) $('dialog').close();
    $('dialog').dataset.kind = '';
    state.returnFocus = null;
    $('login-note').textContent = note || '';
    $('login-form').reset();
    clearError($('login-error'));
    show('login');
  }

  function sessionLost() {
    if (!state.session) return;
    leave('ログインの有効期限が切れました。もう一度ログインしてください。');
  }

  async function onLogin(ev) {
    ev.preventDefault();
    clearError($('login-error'));
    const account = $('login-account').value.trim();
    const password = $('login-password').value;
    try {
      await enter(await api('POST', '/api/session', { account, password }));
    } catch (e) {
      showError($('login-error'), e);
      $('login-password').value = '';
      $('login-password').focus();
    }
  }

  async function onSetup(ev) {
    ev.preventDefault();
    clearError($('setup-error'));
    const body = { setupToken: $('setup-token').value.trim(), account: $('setup-account').value.trim(), password: $('setup-password').value };
    try {
      await enter(await api('POST', '/api/setup', body));
    } catch (e) {
      showError($('setup-error'), e);
      $('setup-token').focus();
    }
  }

  async function onLogout() {
    try { await api('DELETE', '/api/session'); } catch { /* leaving anyway */ }
    leave('ログアウトしました。');
  }

  async function boot() {
    try {
      SCREENS = await api('GET', '/api/screens');
      SCREEN_BY_ID = Object.fromEntries(Object.entries(SCREENS).map(([name, [id]]) => [id, name]));
    } catch { /* screens then show by name */ }
    try {
      const setup = await api('GET', '/api/setup');
      if (setup && setup.needsAdmin) return show('setup');
    } catch { /* a server without first-start setup */ }
    try {
      await enter(await api('GET', '/api/session'));
    } catch {
      show('login', { focus: false });
    }
  }

  // ---- wiring -----------------------------------------------------------------------------------

  $('login-form').addEventListener('submit', onLogin);
  $('setup-form').addEventListener('submit', onSetup);
  $('logout').addEventListener('click', onLogout);
  $('open-operation').addEventListener('click', () => { setDate(todayText()); show('operation'); });
  $('open-inquiry').addEventListener('click', () => { $('inquiry-note').hidden = false; });
  $('back-to-menu').addEventListener('click', () => show('menu'));
  for (const b of document.querySelectorAll('button.mode')) b.addEventListener('click', onModeClick);
  $('visually-confirmed').addEventListener('change', onCheckChange);
  $('date-text').addEventListener('change', onDateChange);
  $('date-picker').addEventListener('change', onPicker);
  for (const b of document.querySelectorAll('#emulator-panel button')) b.addEventListener('click', onStimulus);
  $('dialog-ok').addEventListener('click', onDialogOk);
  $('dialog-cancel').addEventListener('click', onDialogCancel);
  // Escape: キャンセル where the dialog has one; a completion message needs its OK.
  $('dialog').addEventListener('cancel', (ev) => {
    ev.preventDefault();
    if (!$('dialog-cancel').hidden) onDialogCancel();
  });
  window.addEventListener('pagehide', () => { if (state.es) state.es.close(); });
  boot().catch((e) => { $('loading').hidden = true; showError($('boot-error'), e); });
})();
