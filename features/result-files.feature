# language: ja
@DOM @result-files
機能: レセコン向けの結果ファイル
  資格確認端末は本人確認のたびに資格確認サービスに照会し、レセコンが読むフォルダに結果ファイル（XML）を
  1件書く。ヘッダには処理日時・資格確認日・医療機関コード・文字コード、本体には処理結果・資格の有効性・
  患者が同意した項目と同意の時刻・閲覧期限（同意の24時間後）が入る。書きかけのファイルは見えない。
  （エミュレータの資格確認サービスが答える合成データ。docs/result-files.md）

  背景:
    前提 レセコン向けの結果ファイルを出力する設定である
    かつ 顔認証付きカードリーダーが1台接続されている

  @DOM-RES-1 @DOM-RES-2 @DOM-RES-3 @DOM-CONSENT-1
  シナリオ: 顔認証で本人確認し全て同意すると、同意の時刻と閲覧期限の入った結果ファイルが1件出力される
    前提 今日は"2026/11/24"である
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が"顔認証"を選ぶ
    かつ 患者がカメラに顔を向ける
    ならば 結果ファイルは出力されていない
    もし 患者が同意画面で"全て同意する"を選ぶ
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの項目は次のとおりである
      | QualificationConfirmationDate             | 20261124   |
      | ReferenceClassification                   | 1          |
      | SegmentOfResult                           | 1          |
      | MedicalInstitutionCode                    | 9999999999 |
      | CharacterCodeIdentifier                   | 0          |
      | ErrorCode                                 | （なし）   |
      | ProcessingResultStatus                    | 1          |
      | ProcessingResultCode                      | （なし）   |
      | QualificationValidity                     | 1          |
      | Name                                      | 試験　一郎 |
      | InsurerNumber                             | 06999999   |
      | PharmacistsInfoConsFlg                    | 1          |
      | DiagnosisInfoConsFlg                      | 1          |
      | SpecificHealthCheckupsInfoConsFlg         | 1          |
      | LimitApplicationCertificateRelatedConsFlg | 1          |
      | SpecificDiseasesCertificateRelatedConsFlg | 1          |
    かつ 最新の結果ファイルの資格確認日は最新の記録の資格確認日である
    かつ 最新の結果ファイルの"PharmacistsInfoConsTime"は本人確認が済んだ後で、処理時刻より前である
    かつ 最新の結果ファイルの"PharmacistsInfoAvailableTime"は"PharmacistsInfoConsTime"の24時間後である
    かつ 最新の結果ファイルの"SpecificHealthCheckupsInfoAvailableTime"は"SpecificHealthCheckupsInfoConsTime"の24時間後である
    かつ 最新の結果ファイルの"LimitApplicationCertificateRelatedAvailableTime"は"LimitApplicationCertificateRelatedConsTime"の24時間後である

  @DOM-RES-3
  シナリオ: 個別に同意して何も選ばないと、同意フラグは0で同意の時刻はない
    前提 今日は"2026/11/24"である
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が"暗証番号"を選ぶ
    かつ 患者が正しい暗証番号を入力する
    かつ 患者が同意画面で"個別に同意する"を選ぶ
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの項目は次のとおりである
      | SegmentOfResult             | 1        |
      | PharmacistsInfoConsFlg      | 0        |
      | PharmacistsInfoConsTime     | （なし） |
      | PharmacistsInfoAvailableTime | （なし） |
      | SpecificHealthCheckupsInfoConsFlg | 0  |
      | LimitApplicationCertificateRelatedConsFlg | 0 |

  @DOM-RES-3
  シナリオ: 同意画面でカードを取られると、同意なしの結果ファイルが出力される
    前提 今日は"2026/11/24"である
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が"顔認証"を選ぶ
    かつ 患者がカメラに顔を向ける
    かつ 患者がカードを取る
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの項目は次のとおりである
      | SegmentOfResult        | 1        |
      | PharmacistsInfoConsFlg | 0        |
      | PharmacistsInfoConsTime | （なし） |

  @DOM-RES-2 @P106-2 @DOM-REC-1
  シナリオ: 目視確認では職員が入力した過去の資格確認日が結果ファイルに入る
    前提 今日は"2026/11/24"である
    かつ 管理者アカウントでログインしている
    かつ 運転モードを"目視確認"に切り替えてある
    もし 職員が《資格確認日》に"2026/10/30"と入力する
    かつ 職員が《目視で本人確認完了》をチェックする
    かつ 患者が"乳幼児"のマイナンバーカードを置く
    かつ 《OK》をクリックする
    かつ 患者が同意画面で"全て同意する"を選ぶ
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの項目は次のとおりである
      | QualificationConfirmationDate | 20261030 |
      | SegmentOfResult               | 1        |
      | QualificationValidity         | 1        |
      | PersonalFamilyClassification  | 2        |
      | PharmacistsInfoConsFlg        | 1        |
    かつ 最新の結果ファイルの資格確認日は最新の記録の資格確認日である

  @DOM-RES-1
  シナリオ: 文字コードをShift_JISにすると、Shift_JISで書かれCharacterCodeIdentifierは1になる
    前提 レセコン向けの結果ファイルを文字コード"Shift_JIS"で出力する設定である
    かつ 今日は"2026/11/24"である
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が顔認証で本人確認を済ませる
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの文字コードは"Shift_JIS"である
    かつ 最新の結果ファイルの項目は次のとおりである
      | CharacterCodeIdentifier | 1                |
      | Name                    | 試験　一郎       |
      | InsurerName             | 試験健康保険組合 |

  @DOM-RES-6
  シナリオアウトライン: リーダーで本人確認できなかった「<カード>」では照会せず、結果ファイルは出力されない
    前提 今日は"2026/11/24"である
    もし 患者が"<カード>"のマイナンバーカードを置く
    かつ 患者がカードを取る
    ならば 本人確認できた記録はない
    かつ 結果ファイルは出力されていない

    例:
      | カード                 |
      | 電子証明書期限切れ     |
      | マイナンバーカード以外 |
      | 認識できないカード     |

  @DOM-RES-6 @DOM-CERT-3 @DOM-CODE-1
  シナリオアウトライン: 設定すれば、リーダーで本人確認できなかった「<カード>」はコード<コード>の異常終了ファイルになる
    前提 リーダーで本人確認できなかったときも結果ファイルを出力する設定である
    かつ 今日は"2026/11/24"である
    もし 患者が"<カード>"のマイナンバーカードを置く
    ならば 結果ファイルが1件出力されている
    かつ 最新の結果ファイルの項目は次のとおりである
      | SegmentOfResult               | 9        |
      | ErrorCode                     | <コード> |
      | QualificationConfirmationDate | 20261124 |
      | ProcessingResultStatus        | （なし） |

    例:
      | カード                 | コード |
      | 電子証明書期限切れ     | 006    |
      | マイナンバーカード以外 | 002    |
      | 認識できないカード     | 001    |

  @DOM-RES-4
  シナリオ: 患者が続いても、フォルダを監視するレセコンは書きかけのファイルを見ない
    前提 今日は"2026/11/24"である
    かつ レセコンが結果ファイルの出力先を監視している
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が顔認証で本人確認を済ませる
    かつ 患者がカードを取る
    かつ 患者が"乳幼児"のマイナンバーカードを置く
    かつ 患者が"暗証番号"を選ぶ
    かつ 患者が正しい暗証番号を入力する
    かつ 患者が同意画面で"全て同意する"を選ぶ
    かつ 患者がカードを取る
    かつ 患者が"電子証明書期限3か月以内"のマイナンバーカードを置く
    かつ 患者が顔認証で本人確認を済ませる
    かつ 患者がカードを取る
    ならば 結果ファイルが3件出力されている
    かつ 監視していたレセコンは書きかけの結果ファイルを一度も見ていない

  @DOM-RES-5 @DOM-PRIV-1 @DOM-PRIV-2
  シナリオ: 結果ファイルに個人番号・暗証番号・画像が含まれない
    前提 今日は"2026/11/24"である
    かつ 管理者アカウントでログインしている
    かつ 運転モードを"暗証番号認証固定"に切り替えてある
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が誤った暗証番号を入力する
    かつ 患者が正しい暗証番号を入力する
    かつ 患者が同意画面で"全て同意する"を選ぶ
    ならば 結果ファイルが1件出力されている
    かつ 結果ファイルに個人番号・暗証番号・画像が含まれない
