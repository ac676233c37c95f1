import type { ConfirmationRecord } from './records';

/**
 * The オンライン資格確認 side, asked after each identity confirmation: given the confirmation record
 * (the card is known only by the reader's one-way cardId), what the insurance qualification is.
 * The emulated service (simulator/eligibility.ts) answers synthetic data per card profile; a real
 * connection would implement the same interface. Field names are those of the result XML
 * (docs/result-files.md, domain.md §2.4).
 */
export interface EligibilityService {
  /** Rejects with an EligibilityFailure when the service cannot answer (SegmentOfResult 9). */
  confirm(record: ConfirmationRecord): Promise<EligibilityAnswer>;
}

/** One insured person's qualification (ResultOfQualificationConfirmation, without the consent part). */
export interface Qualification {
  InsuredCardClassification: string;
  Name: string;
  NameKana: string;
  /** 1 男, 2 女. */
  Sex1: '1' | '2';
  /** YYYYMMDD. */
  Birthdate: string;
  InsurerName: string;
  InsurerNumber: string;
  InsuredCardSymbol: string;
  InsuredIdentificationNumber: string;
  InsuredBranchNumber: string;
  /** 1 本人, 2 家族. */
  PersonalFamilyClassification: '1' | '2';
  /** YYYYMMDD. */
  InsuredCardValidDate: string;
}

export interface EligibilityAnswer {
  /** ProcessingResultStatus: 1 正常終了, 2 エラー. */
  processingResultStatus: '1' | '2';
  /** ProcessingResultCode / ProcessingResultMessage: side information even on success (e.g. the certificate's expiry). */
  processingResultCode: string | null;
  processingResultMessage: string | null;
  /** QualificationValidity: 1 有効, 2 無効, 3 無効（新しい資格あり）, 4 該当資格なし, 5 複数該当. */
  qualificationValidity: '1' | '2' | '3' | '4' | '5';
  results: Qualification[];
}

/** The service could not answer: the file says so in its header (ErrorCode, ErrorMessage). */
export class EligibilityFailure extends Error {
  constructor(
    readonly errorCode: string,
    /** Japanese, for the レセコン's staff. */
    readonly errorMessage: string,
  ) {
    super(`${errorCode}: ${errorMessage}`);
    this.name = 'EligibilityFailure';
  }
}

/**
 * No eligibility service is configured (a real reader, no OQS connection in this product): every
 * confirmation gets an 異常終了 file rather than made-up insurance data.
 */
export class UnavailableEligibility implements EligibilityService {
  confirm(): Promise<EligibilityAnswer> {
    return Promise.reject(new EligibilityFailure('EOQS0001', 'オンライン資格確認に接続できません（資格確認サービスが設定されていません）'));
  }
}
