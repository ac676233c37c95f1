import { defineParameterType } from '@cucumber/cucumber';
import { modeOf } from './vocabulary';

/** {mode}: a mode button's label as on the screen. */
defineParameterType({
  name: 'mode',
  regexp: /無人運転|目視確認|暗証番号認証固定/,
  transformer: (word: string) => modeOf(word),
});
