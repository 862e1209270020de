import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the conformance suite registers at server start (one of every type). */
export const conformanceKeyword = defineSearchAttributeKey('TactConfKeyword', SearchAttributeType.KEYWORD);
export const conformanceText = defineSearchAttributeKey('TactConfText', SearchAttributeType.TEXT);
export const conformanceInt = defineSearchAttributeKey('TactConfInt', SearchAttributeType.INT);
export const conformanceDouble = defineSearchAttributeKey('TactConfDouble', SearchAttributeType.DOUBLE);
export const conformanceBool = defineSearchAttributeKey('TactConfBool', SearchAttributeType.BOOL);
export const conformanceDatetime = defineSearchAttributeKey('TactConfDatetime', SearchAttributeType.DATETIME);
export const conformanceKeywordList = defineSearchAttributeKey('TactConfKeywordList', SearchAttributeType.KEYWORD_LIST);

export const conformanceSearchAttributes = [
  conformanceKeyword,
  conformanceText,
  conformanceInt,
  conformanceDouble,
  conformanceBool,
  conformanceDatetime,
  conformanceKeywordList,
];
