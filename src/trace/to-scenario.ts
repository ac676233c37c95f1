import { CARD_PROFILES, FACE_CONDITIONS } from '../../simulator/cards';
import { FailReason, Method, Mode, SCREENS, screenById } from '../protocol';
import type { FailReasonName, Message, MethodName, ModeName } from '../protocol';
import { CONSENT_LABELS, METHOD_LABELS, MODE_LABELS } from '../reader/labels';
import { prepareTrace, type PreparedFrame } from './diff';
import type { Trace } from './format';
import { inferVisit, type VisitEvidence, type VisitInference, type Wallet } from './to-scenario-infer';

/** Events of a visit with the card on the reader (after cardPlaced, before cardRemoved): acts and outcomes. */
const VISIT_EVENTS = new Set([
  'methodChosen',
  'faceResult',
  'pinResult',
  'visualPasswordResult',
  'consentGiven',
  'cardRemoved',
  'identityConfirmed',
  'identityFailed',
]);
/**
 * A recorded session (a trace from the tap, the hardware profile or `start --trace`) as an editable
 * Japanese scenario for the emulator (`oqs-reader trace to-scenario`, docs/traces.md): the patient's
 * and the staff's acts read back from the messages, in the documented steps of docs/steps.md only,
 * with the card profile and face condition that reproduce the reader's answers. Whatever cannot be
 * reproduced with those steps is said in a # comment where it happened, and listed in `skipped`.
 */
export interface GeneratedScenario {
  /** The .feature text. */
  text: string;
  /** Choices made where the trace allowed more than one reading (also # comments in the text). */
  notes: string[];
  /** What the scenario does not reproduce (also # comments in the text). */
  skipped: string[];
}

type Kind = 'given' | 'when' | 'then';
interface Line {
  kind: Kind | 'comment';
  text: string;
}

const KEYWORDS: Record<Kind, string> = { given: '前提', when: 'もし', then: 'ならば' };

/** YYYY/MM/DD of the JST day `ms` falls on. */
function jstDate(ms: number): string {
  return new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '/');
}

const screenText = (id: number) => {
  const name = screenById(id);
  return name ? SCREENS[name].text : undefined;
};

/** The events of one reader from a cardPlaced to the next (or the end): what the inference reads. */
function visitEvidence(frames: PreparedFrame[], start: number, raw: (f: PreparedFrame) => Message, at: number): VisitEvidence {
  const placed = raw(frames[start]!);
  const e: VisitEvidence = {
    cardKind: Number(placed.kind === 'event' ? placed.fields.cardKind : 0),
    at,
    failures: [],
    faceResults: [],
    pinResults: [],
    pinFallback: false,
    mismatchHalted: false,
  };
  let consented = false;
  let mismatch = false;
  for (let i = start + 1; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.reader !== frames[start]!.reader || f.dir !== 'r2h') continue;
    const m = raw(f);
    if (m.kind !== 'event') continue;
    if (m.name === 'cardPlaced') break;
    const v = m.fields as Record<string, number | string>;
    switch (m.name) {
      case 'faceResult':
        e.faceResults.push({ score: Number(v.score), matched: v.matched === 1 });
        mismatch = v.matched !== 1;
        break;
      case 'pinResult':
        e.pinResults.push({ ok: v.ok === 1, triesLeft: Number(v.triesLeft) });
        break;
      case 'methodChosen':
        if (mismatch && v.method === Method.pin) e.pinFallback = true;
        break;
      case 'identityConfirmed':
        e.cardId = String(v.cardId);
        break;
      case 'identityFailed':
        e.failures.push(Number(v.reason));
        if (mismatch && v.reason === FailReason.faceMismatch) e.mismatchHalted = true;
        break;
      case 'consentGiven':
        consented = true;
        break;
      case 'screenShown':
        if (consented && e.doneScreen === undefined) e.doneScreen = Number(v.screen);
        break;
    }
    if (m.name === 'cardRemoved') break;
  }
  return e;
}

export function traceToScenario(trace: Trace, opts: { source?: string } = {}): GeneratedScenario {
  const prepared = prepareTrace(trace);
  const frames = prepared.frames;
  const raw = (f: PreparedFrame) => trace.frames[f.index]!.msg!;
  const start = Date.parse(trace.header.startedAt);
  const today = jstDate(start);
  const notes: string[] = [];
  const skipped: string[] = [];
  const lines: Line[] = [];
  const given: string[] = [];
  let admin = false;
  const step = (kind: Kind, text: string) => lines.push({ kind, text });
  const comment = (text: string) => lines.push({ kind: 'comment', text });
  let pending: string[] = [];
  const flush = () => {
    for (const t of pending) step('then', t);
    pending = [];
  };
  const skip = (text: string) => {
    skipped.push(text);
    flush();
    comment(`再現していない: ${text}`);
  };
  const note = (text: string) => {
    notes.push(text);
    comment(text);
  };
  const wallet: Wallet = new Map();
  let attaching = true;
  let helloSeen = false;
  let lastScreen: number | undefined;
  let visit: VisitInference | null = null;
  let mode: ModeName = 'unattended';
  let cardOn = false;
  let mismatch = false;
  /** After a host command the steps cannot send: the outcomes it caused are not asserted. */
  let unheard = false;
  /** Outcomes reported before the act that caused them (identityFailed cardRemoved precedes cardRemoved). */
  let afterAct: string[] = [];
  const act = (text: string) => {
    flush();
    step('when', text);
    unheard = false;
    pending = afterAct;
    afterAct = [];
  };
  const outcome = (text: string, later = false) => {
    if (unheard) return comment(`確かめない（原因の操作を再現していない）: ${text}`);
    (later ? afterAct : pending).push(text);
  };
  const readers = Math.max(1, prepared.readers.length);
  frames.forEach((f, i) => {
    const m = raw(f);
    const v = ('fields' in m ? m.fields : {}) as Record<string, number | string>;
    if (f.reader > 0) {
      if (m.kind === 'event' && m.name !== 'screenShown')
        skip(`${f.reader + 1}台目のリーダーの ${m.name}（このシナリオは1台目のリーダーの操作だけを再現する）`);
      return;
    }
    if (m.kind === 'command') {
      const reply = frames.slice(i + 1).find((g) => g.reader === f.reader && g.dir === 'r2h' && g.msg.kind === 'response' && g.msg.name === m.name);
      const ok = reply?.msg.status === 'ok';
      switch (m.name) {
        case 'hello':
          // Again: the terminal restarted, or the link was lost and opened again; the trace cannot tell which.
          if (helloSeen) skip('リンクのつなぎ直し（端末の再起動か、ケーブルの抜き差し）');
          helloSeen = true;
          attaching = true;
          return;
        case 'setMode': {
          const to = Mode.nameOf(Number(v.mode)) as ModeName;
          // The first setMode after a hello or a reader's restart gives the reader the terminal's mode.
          if (attaching) {
            attaching = false;
            if (to !== mode && lines.length === 0) {
              given.push(`運転モードを"${MODE_LABELS[to]}"に切り替えてある`);
              note(`端末は接続のときから${MODE_LABELS[to]}だった。無人運転で接続してから切り替える（接続のsetModeが1つ増える）`);
            }
            mode = to;
            return;
          }
          if (!ok) return skip(`運転モードの切替え（${MODE_LABELS[to]}）をリーダーが受け付けなかった（${reply?.msg.status ?? '応答なし'}）`);
          admin = true;
          mode = to;
          return act(`管理者が運転モードを"${MODE_LABELS[to]}"に切り替える`);
        }
        case 'setVisualPassword':
          admin = true;
          // The terminal's default rule is 5 wrong entries → 10 minutes (docs/connection-patterns.md).
          if (Number(v.maxWrong) === 5 && Number(v.lockMinutes) === 10) return given.push('管理者が目視モード用パスワードを設定してある');
          return given.push(`管理者が目視モード用パスワードを、${v.maxWrong}回誤ると${v.lockMinutes}分ロックする設定で設定してある`);
        case 'startVisualCheck': {
          admin = true;
          const d = String(v.confirmationDate);
          const date = `${d.slice(0, 4)}/${d.slice(4, 6)}/${d.slice(6)}`;
          if (date !== today) act(`職員が《資格確認日》に"${date}"と入力する`);
          return act('職員が《目視で本人確認完了》をチェックする');
        }
        case 'executeVisualCheck':
          // 《OK》 on 「本人確認を実行する」 sends it; 《OK》 on 「本人確認を完了する」 sends nothing.
          act('《OK》をクリックする');
          return act('《OK》をクリックする');
        default:
          skip(`端末からの ${m.name}`);
          unheard = true;
          return;
      }
    }
    if (m.kind !== 'event') return;
    // A recording begun with the card already on the reader (a tap started mid-visit): no step can
    // put the patient there without the card, so that visit's acts and outcomes are not reproduced.
    if (!cardOn && VISIT_EVENTS.has(m.name)) {
      skip(`記録の開始時にカードが置かれていた（${m.name}）：カードを置くところから記録し直すか、手で補う`);
      unheard = true;
      return;
    }
    switch (m.name) {
      case 'screenShown':
        lastScreen = Number(v.screen);
        if (lastScreen === SCREENS.matchError.id) pending.push('リーダーに"照合エラー"と表示された');
        return;
      case 'cardPlaced': {
        visit = inferVisit(visitEvidence(frames, i, raw, start + f.t), wallet);
        mismatch = false;
        flush();
        for (const n of visit.notes) note(n);
        // A card left on the reader is read again after a restart or a staff check: no new act.
        if (cardOn) return comment('リーダーが置いたままのカードを読み直した');
        cardOn = true;
        return act(`患者が"${CARD_PROFILES[visit.profile].label}"のマイナンバーカードを置く`);
      }
      case 'methodChosen': {
        if (v.method === Method.visualOnReader) return act('職員がリーダーで目視確認を選ぶ');
        // The reader's own: the PIN after a match error, or in 暗証番号認証固定.
        if (v.method === Method.pin && (mismatch || mode === 'pinOnly')) return;
        return act(`患者が"${METHOD_LABELS[Method.nameOf(Number(v.method)) as MethodName]}"を選ぶ`);
      }
      case 'faceResult': {
        const condition = visit?.conditions.shift();
        const own = visit && CARD_PROFILES[visit.profile].defaultCondition;
        act(condition && condition !== own ? `患者が"${FACE_CONDITIONS[condition].label}"の状態でカメラに顔を向ける` : '患者がカメラに顔を向ける');
        mismatch = v.matched !== 1;
        if (mismatch) pending.push('顔認証の照合結果は不一致である');
        return;
      }
      case 'pinResult':
        act(v.ok === 1 ? '患者が正しい暗証番号を入力する' : '患者が誤った暗証番号を入力する');
        return void pending.push(`暗証番号の残り回数は${v.triesLeft}回と通知された`);
      case 'visualPasswordResult':
        return act(v.ok === 1 ? '職員がリーダーに目視モード用パスワードを入力する' : '職員がリーダーに誤った目視モード用パスワードを入力する');
      case 'identityConfirmed':
        if (v.method === Method.visualOnReader) {
          act('職員が患者を目視で確認し、リーダーで確認を押す');
          return outcome('最新の記録はリーダーでの目視確認である');
        }
        return outcome(`本人確認が"${METHOD_LABELS[Method.nameOf(Number(v.method)) as MethodName]}"で完了した記録がある`);
      case 'identityFailed':
        return outcome(`本人確認できなかった記録の理由は"${FailReason.nameOf(Number(v.reason)) as FailReasonName}"である`, v.reason === FailReason.cardRemoved);
      case 'consentGiven': {
        const choice = v.choice === 1 ? 'all' : 'individual';
        if (choice === 'individual' && Number(v.items) !== 0) note(`個別に同意した項目（items=${v.items}）はステップでは選べない。何も選ばずに個別に同意する`);
        act(`患者が同意画面で"${CONSENT_LABELS[choice]}"を選ぶ`);
        return void pending.push(`最新の記録の同意は"${CONSENT_LABELS[choice]}"である`);
      }
      case 'cardRemoved':
        cardOn = false;
        return act('患者がカードを取る');
      case 'readerReset':
        // Powered on again: the terminal gives it the mode back (an attach's setMode), and a card left on it is read again.
        attaching = true;
        mode = 'unattended';
        // Before anyone did anything: the reader was switched on after the terminal started.
        if (!lines.some((l) => l.kind === 'when')) return comment('リーダーの電源が入った（端末が起動した後で）');
        return act('リーダーが再起動する');
      default:
        return skip(`リーダーからの ${m.name}`);
    }
  });
  flush();
  const last = lastScreen === undefined ? undefined : screenText(lastScreen);
  if (last) outcome(`リーダーの画面は"${last}"である`);
  flush();
  if (prepared.retransmits || prepared.undecodable) {
    skipped.push(`リンクの乱れ（繰り返されたフレーム ${prepared.retransmits}、解読できないフレーム ${prepared.undecodable}）`);
  }
  const head = [
    `前提 顔認証付きカードリーダーが${readers}台接続されている`,
    `かつ 今日は"${today}"である`,
    ...(admin ? ['かつ 管理者アカウントでログインしている'] : []),
    ...given.map((g) => `かつ ${g}`),
  ];
  let previous: Kind = 'given';
  const body = lines.map((l) => {
    if (l.kind === 'comment') return `# ${l.text}`;
    const keyword = l.kind === previous ? 'かつ' : KEYWORDS[l.kind];
    previous = l.kind;
    return `${keyword} ${l.text}`;
  });
  const title = trace.header.title.trim() || '記録したセッション';
  const text = [
    '# language: ja',
    `# oqs-reader trace to-scenario${opts.source ? ` ${opts.source}` : ''} が生成した。編集してよい（docs/traces.md）。`,
    `# 元のトレース: ${trace.header.startedAt} 開始、${trace.frames.length} フレーム`,
    ...skipped.filter((s) => s.startsWith('リンク')).map((s) => `# 再現していない: ${s}`),
    '機能: 記録したセッションの再現',
    '',
    `  シナリオ: ${title}`,
    ...[...head, ...body].map((l) => `    ${l}`),
    '',
  ].join('\n');
  return { text, notes, skipped };
}
