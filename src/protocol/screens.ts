/**
 * Patient-facing screens of the reader. Only the id crosses the link; both sides render the
 * text from this one catalogue. Exact wording differs by maker; these are the product's defaults.
 * `code` is the number a reader shows beside an error (domain.md §1.6: 001, 002, 006).
 */
export const SCREENS = {
  placeCard: { id: 1, text: 'マイナンバーカードを置いてください' },
  chooseMethod: { id: 2, text: '本人確認の方法を選んでください（顔認証／暗証番号）' },
  lookAtCamera: { id: 3, text: 'カメラに顔を向けてください' },
  matchError: { id: 4, text: '照合エラー' },
  enterPin: { id: 5, text: '暗証番号を入力してください' },
  pinWrong: { id: 6, text: '暗証番号が違います' },
  pinLocked: { id: 7, text: '暗証番号がロックされています。市区町村の窓口で解除してください' },
  callStaff: { id: 8, text: '職員をお呼びください' },
  consent: { id: 9, text: '同意の確認（全て同意する／個別に同意する）' },
  done: { id: 10, text: '本人確認が完了しました。カードをお取りください' },
  certExpired: { id: 11, code: '006', text: '電子証明書の有効期限が切れています。受付窓口にお声がけください' },
  notMyNumberCard: { id: 12, code: '002', text: 'マイナンバーカード以外が置かれました。読み取りに失敗しました' },
  staffChecking: { id: 13, text: '職員が本人確認を行っています。そのままお待ちください' },
  readFailed: { id: 14, text: '読み取りに失敗しました' },
  cardUnreadable: {
    id: 15,
    code: '001',
    text: 'マイナンバーカードを認識できません。カードの置き方を確かめてください。繰り返す場合は受付窓口へお声がけください',
  },
  doneCertRenewal: {
    id: 16,
    text: '本人確認が完了しました。利用者証明用電子証明書の有効期限が近づいています。市区町村で更新の手続きをしてください。カードをお取りください',
  },
  doneCertGrace: {
    id: 17,
    text: '本人確認が完了しました。利用者証明用電子証明書の有効期限が切れています（期限後3か月は保険証として使えます）。市区町村で更新の手続きをしてください。カードをお取りください',
  },
  visualPassword: { id: 18, text: '目視確認（職員用）：目視モード用パスワードを入力してください' },
  visualPasswordWrong: { id: 19, text: '目視モード用パスワードが違います' },
  visualPasswordLocked: {
    id: 20,
    text: '目視モード用パスワードの誤りが続いたため、目視確認はしばらく使えません。顔認証または暗証番号で本人確認してください',
  },
  visualConfirm: { id: 21, text: '目視確認（職員用）：患者を目視で確認し、確認ボタンを押してください' },
} as const;

export type ScreenName = keyof typeof SCREENS;

/** The reader's error code shown with `screen` (001, 002, 006), or null. */
export function screenCode(screen: ScreenName): string | null {
  const s = SCREENS[screen];
  return 'code' in s ? s.code : null;
}

const BY_ID = new Map<number, ScreenName>((Object.keys(SCREENS) as ScreenName[]).map((name) => [SCREENS[name].id, name]));

export function screenById(id: number): ScreenName | undefined {
  return BY_ID.get(id);
}

export function screenByText(text: string): ScreenName | undefined {
  return (Object.keys(SCREENS) as ScreenName[]).find((n) => SCREENS[n].text === text || SCREENS[n].text.startsWith(text));
}
