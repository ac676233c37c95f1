/** Device delays, in milliseconds of the injected clock. Realistic defaults; tests run them free. */
export interface ReaderTiming {
  /** Camera capture and matching of one face attempt. */
  faceCaptureMs: number;
  /** The chip's VERIFY of one PIN entry. */
  pinVerifyMs: number;
  /** Reading the 利用者証明用電子証明書 for a visual check. */
  certReadMs: number;
  /** How long a transient screen (照合エラー, 暗証番号が違います) stays before the next one. */
  transientScreenMs: number;
}

export const DEFAULT_TIMING: ReaderTiming = {
  faceCaptureMs: 1500,
  pinVerifyMs: 300,
  certReadMs: 400,
  transientScreenMs: 2000,
};
