import type { ConfirmationRecord } from '../src/reader/records';
import type { EligibilityAnswer, EligibilityService, Qualification } from '../src/reader/eligibility';
import type { Clock } from '../src/time/clock';
import { CARD_PROFILES, Card, certificateState, profileNames, type ProfileName } from './cards';

/**
 * ProcessingResultCode / ProcessingResultMessage for a certificate near or just past its expiry.
 * The real codes are not public (domain.md §2.4 only says such a code exists, with "マイナンバー
 * カードの失効期限3か月前" as its example): these are stated assumptions, replaceable per run.
 */
export const CERT_NOTICE_CODES = {
  renewSoon: { code: 'W0001', message: '利用者証明用電子証明書の有効期限が3か月以内に切れます。市区町村で更新の手続きをしてください' },
  grace: {
    code: 'W0002',
    message: '利用者証明用電子証明書の有効期限が切れています（期限後3か月は保険証として利用できます）。市区町村で更新の手続きをしてください',
  },
} as const;

export interface EmulatedEligibilityOptions {
  clock: Clock;
  /** Replaces parts of the answer for a profile (e.g. QualificationValidity 4 for one card). */
  answers?: Partial<Record<ProfileName, Partial<EligibilityAnswer>>>;
  notices?: Partial<typeof CERT_NOTICE_CODES>;
}

/** Synthetic insurance data, one insured person per card profile: invented names, numbers and insurers. */
export function syntheticQualification(profile: ProfileName): Qualification {
  const n = profileNames().indexOf(profile) + 1;
  const infant = profile === 'infant';
  const given = ['一郎', '花子', '次郎', '桜', '三郎', '梅子', '四郎', '菊', '五郎', '藤', '六郎', '萩'][(n - 1) % 12]!;
  const kana = ['ｲﾁﾛｳ', 'ﾊﾅｺ', 'ｼﾞﾛｳ', 'ｻｸﾗ', 'ｻﾌﾞﾛｳ', 'ｳﾒｺ', 'ｼﾛｳ', 'ｷｸ', 'ｺﾞﾛｳ', 'ﾌｼﾞ', 'ﾛｸﾛｳ', 'ﾊｷﾞ'][(n - 1) % 12]!;
  return {
    InsuredCardClassification: '01',
    Name: `試験　${given}`,
    NameKana: `ｼｹﾝ ${kana}`,
    Sex1: n % 2 === 1 ? '1' : '2',
    Birthdate: infant ? '20250401' : `19${String(50 + n).padStart(2, '0')}0${(n % 9) + 1}15`,
    InsurerName: '試験健康保険組合',
    InsurerNumber: '06999999',
    InsuredCardSymbol: '試験',
    InsuredIdentificationNumber: String(1000 + n),
    InsuredBranchNumber: infant ? '02' : '00',
    PersonalFamilyClassification: infant ? '2' : '1',
    InsuredCardValidDate: '20240401',
  };
}

/**
 * The emulated オンライン資格確認: knows the emulator's cards by their one-way cardId (as the real
 * service knows a certificate), answers 有効 with synthetic data, and reports a certificate that
 * expires within 3 months, or expired less than 3 months ago, in ProcessingResultCode.
 */
export class EmulatedEligibility implements EligibilityService {
  private readonly byCardId = new Map<string, ProfileName>();

  constructor(private readonly opts: EmulatedEligibilityOptions) {
    for (const name of profileNames()) this.byCardId.set(new Card(name, CARD_PROFILES[name]).cardId, name);
  }

  /** The profile behind a card id (the suite names cards by profile). */
  profileOf(cardId: string | null): ProfileName | undefined {
    return cardId === null ? undefined : this.byCardId.get(cardId);
  }

  confirm(record: ConfirmationRecord): Promise<EligibilityAnswer> {
    const profile = this.profileOf(record.cardId);
    if (!profile) {
      return Promise.resolve({
        processingResultStatus: '1',
        processingResultCode: null,
        processingResultMessage: null,
        qualificationValidity: '4',
        results: [],
      });
    }
    const cert = certificateState(CARD_PROFILES[profile], this.opts.clock.now());
    const notice = cert === 'renewSoon' || cert === 'grace' ? { ...CERT_NOTICE_CODES, ...this.opts.notices }[cert] : null;
    return Promise.resolve({
      processingResultStatus: '1',
      processingResultCode: notice?.code ?? null,
      processingResultMessage: notice?.message ?? null,
      qualificationValidity: '1',
      results: [syntheticQualification(profile)],
      ...this.opts.answers?.[profile],
    });
  }
}
