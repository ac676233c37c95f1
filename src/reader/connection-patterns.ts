/**
 * Connection patterns of face-auth readers and 汎用カードリーダー on one 資格確認端末.
 * ASSUMPTION: the manual's table (P.102) is missing from our copy; docs/connection-patterns.md
 * states the table below, which follows the rules the text does give (P102-1, P102-4).
 */
export interface ConnectionPattern {
  id: 0 | 1 | 2 | 3 | 4;
  label: string;
  visualCheckAllowed: boolean;
  qualificationInquiryMenu: boolean;
}

export function connectionPattern(faceReaders: number, generalReaders: number): ConnectionPattern {
  if (faceReaders === 0 && generalReaders === 0) {
    return { id: 0, label: 'カードリーダー未接続', visualCheckAllowed: false, qualificationInquiryMenu: false };
  }
  if (faceReaders === 0) {
    return { id: 4, label: '汎用カードリーダーのみ', visualCheckAllowed: false, qualificationInquiryMenu: false };
  }
  if (faceReaders > 1) {
    return { id: 3, label: '顔認証付きカードリーダー複数台', visualCheckAllowed: false, qualificationInquiryMenu: false };
  }
  if (generalReaders === 0) {
    return { id: 1, label: '顔認証付きカードリーダー1台', visualCheckAllowed: true, qualificationInquiryMenu: false };
  }
  return { id: 2, label: '顔認証付きカードリーダー1台＋汎用カードリーダー', visualCheckAllowed: true, qualificationInquiryMenu: true };
}
