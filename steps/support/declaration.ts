import { readFileSync } from 'node:fs';
import { CARD_PROFILES, FACE_CONDITIONS, type ProfileName } from '../../simulator/cards';
import type { ModeName } from '../../src/protocol';

/**
 * A vendor's statement of what their reader and their lab can do (like Matter's PICS). It gates
 * scenarios: one the declaration cannot support is reported not applicable, with the reason; the
 * capability scenario checks the declaration against what the device says in hello.
 */
export interface Declaration {
  declaration: 1;
  vendor: string;
  model: string;
  firmware: string;
  protocolVersion: number;
  /** Face-auth readers the lab can connect at once. */
  readers: number;
  modes: ModeName[];
  capabilities: string[];
  connectionPattern: number;
  /** Card profiles (docs/glossary.md) the lab can present. */
  cardProfiles: ProfileName[];
  faceConditions: string[];
  timing: { commandTimeoutMs: number; promptTimeoutS: number; settleMs: number };
}

const MODES: ModeName[] = ['unattended', 'visual', 'pinOnly'];

export function loadDeclaration(path: string): Declaration {
  let d: Declaration;
  try {
    d = JSON.parse(readFileSync(path, 'utf8')) as Declaration;
  } catch (e) {
    throw new Error(`declaration ${path}: ${(e as Error).message}`, { cause: e });
  }
  const problems: string[] = [];
  if (d.declaration !== 1) problems.push('"declaration" must be 1');
  for (const k of ['vendor', 'model', 'firmware'] as const) if (typeof d[k] !== 'string' || !d[k]) problems.push(`"${k}" must be a non-empty string`);
  if (!Number.isInteger(d.protocolVersion)) problems.push('"protocolVersion" must be an integer');
  if (!Number.isInteger(d.readers) || d.readers < 1) problems.push('"readers" must be an integer ≥ 1');
  if (!Array.isArray(d.modes) || d.modes.some((m) => !MODES.includes(m))) problems.push(`"modes" must list some of ${MODES.join(', ')}`);
  if (!Array.isArray(d.capabilities)) problems.push('"capabilities" must be a list');
  if (!Array.isArray(d.cardProfiles) || d.cardProfiles.some((p) => !Object.hasOwn(CARD_PROFILES, p))) {
    problems.push(`"cardProfiles" must list some of ${Object.keys(CARD_PROFILES).join(', ')}`);
  }
  if (!Array.isArray(d.faceConditions) || d.faceConditions.some((c) => !Object.hasOwn(FACE_CONDITIONS, c))) {
    problems.push(`"faceConditions" must list some of ${Object.keys(FACE_CONDITIONS).join(', ')}`);
  }
  const t = d.timing;
  if (!t || ![t.commandTimeoutMs, t.promptTimeoutS, t.settleMs].every((n) => typeof n === 'number' && n > 0)) {
    problems.push('"timing" needs commandTimeoutMs, promptTimeoutS and settleMs > 0');
  }
  if (problems.length) throw new Error(`declaration ${path} is invalid:\n  ${problems.join('\n  ')}`);
  return d;
}

/**
 * Tags that gate where a scenario runs (docs/steps.md lists them with the other tags). Every other
 * tag is a requirement ID from docs/requirements.md or its section (`@P106`, `@DOM`, `@CERT`, `@REL`).
 */
export const GATE_TAGS: Record<string, { runsOn: string[]; meaning: string; reason: string }> = {
  '@in-process': {
    runsOn: ['emulator'],
    meaning:
      'needs the virtual clock and the in-process line: e.g. every ACK from the terminal lost while a cable is pulled. Runs on emulator and emulator-paced; N/A on pty, product and hardware',
    reason:
      'すべてのACKが失われると、実回線ではリーダーが送り終えたことを確かめる手段がない（同じプロセス内のエミュレータでのみ実行） / with every ACK lost, a real-time run cannot tell when the reader has finished sending; only the in-process emulator can',
  },
  '@emulator-only': {
    runsOn: ['emulator', 'pty', 'product'],
    meaning: 'needs an emulator behind the port (link faults, a reboot on demand): N/A on hardware',
    reason:
      'エミュレータが必要（リンク障害の注入や任意の再起動）で、実機には当てはまらない / needs the emulator (fault injection or a reboot on demand); not applicable to a real reader',
  },
  '@result-files': {
    runsOn: ['emulator', 'pty', 'product'],
    meaning:
      "checks the result files for the レセコン in a result folder per scenario, answered by the emulated eligibility service, which knows only the emulator's cards (the product profile starts the product with --result-dir DIR --eligibility emulated and reads the folder). Runs on emulator, emulator-paced, pty and product; N/A on hardware",
    reason:
      "結果ファイルの検査には、エミュレータのカードを知る資格確認サービス（エミュレーション）が必要で、実機のカードは照会できない / result files are checked with the emulated eligibility service, which knows only the emulator's cards",
  },
};

/** Section tags: a scenario's manual page or rule family, beside its requirement IDs. */
export const SECTION_TAG = /^@(P\d{3}|DOM|CERT|REL)$/;

/**
 * A declaration says how many face-auth readers the lab connects; the run must be given exactly that
 * many ports, or scenarios the declaration promises would fail for want of a port (and a verdict would
 * say FAIL about the lab, not the reader). Returns the refusal in Japanese and English, or null.
 */
export function portCountProblem(d: Declaration, ports: string[]): string | null {
  if (ports.length === d.readers) return null;
  return (
    `申告（declaration）のリーダー台数 ${d.readers} 台と、指定されたポート ${ports.length} 個（${ports.join(', ') || 'なし'}）が一致しません。` +
    `ポートをカンマ区切りで ${d.readers} 個指定するか、台数の合う申告を使ってください（1台なら declarations/emulator-one-reader.json）。\n` +
    `The declaration says the lab connects ${d.readers} reader(s) but ${ports.length} port(s) were given; ` +
    `pass ${d.readers} comma-separated ports, or use a declaration whose "readers" matches.`
  );
}

const PROFILE_BY_LABEL = new Map<string, ProfileName>(Object.entries(CARD_PROFILES).map(([name, p]) => [p.label, name as ProfileName]));
const CONDITION_BY_LABEL = new Map<string, string>(Object.entries(FACE_CONDITIONS).map(([name, c]) => [c.label, name]));

/** Words of the reader-side 目視確認 and its record, which ask nothing of the terminal's mode. */
const READER_SIDE_WORDS = /リーダーでの?目視確認|目視確認（職員用）|目視確認はしばらく使えません|"目視確認"で完了/g;

/**
 * Why a scenario cannot run under `d`, or null. Read from the scenario's own steps and tags, so a
 * new scenario is gated without anyone remembering to tag it.
 */
export function notApplicable(d: Declaration, stepTexts: string[], tags: string[], target: string): string | null {
  for (const [tag, t] of Object.entries(GATE_TAGS)) if (tags.includes(tag) && !t.runsOn.includes(target)) return t.reason;
  const text = stepTexts.join('\n');
  for (const m of text.matchAll(/顔認証付きカードリーダーが(\d+)台/g)) {
    const n = Number(m[1]);
    if (n > d.readers)
      return `顔認証付きカードリーダーが${n}台必要だが、申告では${d.readers}台 / needs ${n} face-auth readers; the declaration says the lab connects ${d.readers}`;
  }
  for (const m of text.matchAll(/"([^"]+)"のマイナンバーカード/g)) {
    const profile = PROFILE_BY_LABEL.get(m[1]!);
    if (profile && !d.cardProfiles.includes(profile))
      return `「${m[1]}」のカードが必要だが、申告にない / needs a 「${m[1]}」 card (${profile}), which the declaration does not list`;
  }
  for (const m of text.matchAll(/"([^"]+)"の状態でカメラに顔を向ける/g)) {
    const cond = CONDITION_BY_LABEL.get(m[1]!);
    if (cond && !d.faceConditions.includes(cond))
      return `「${m[1]}」の状態の顔が必要だが、申告にない / needs a face presented 「${m[1]}」, which the declaration does not list`;
  }
  if (/暗証番号認証固定/.test(text) && !d.modes.includes('pinOnly'))
    return '暗証番号認証固定モードが必要だが、申告にない / needs 暗証番号認証固定 (pinOnly), which the declaration does not list';
  // Reader-side 目視確認 (the 2025 flow) needs a model that reports it, and no terminal mode.
  if (/目視モード用パスワード|リーダーでの?目視確認/.test(text) && !d.capabilities.includes('readerVisualCheck'))
    return 'リーダーでの目視確認（目視モード用パスワード）が必要だが、申告にない / needs the reader-side visual check (capability readerVisualCheck), which the declaration does not list';
  if (/目視確認/.test(text.replace(READER_SIDE_WORDS, '')) && !d.modes.includes('visual'))
    return '目視確認モードが必要だが、申告にない / needs 目視確認 (visual), which the declaration does not list';
  return null;
}
