/** FIRST STRONG ISOLATE: the isolated text takes the direction of its first strong character. */
export const FSI = '\u2068';
/** POP DIRECTIONAL ISOLATE: closes the isolate (and any embedding or override opened inside it). */
export const PDI = '\u2069';

const STRONG_RTL =
  /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Mandaic}\p{Script=Samaritan}]/u;

export function containsRtl(text: string): boolean {
  return STRONG_RTL.test(text);
}

/**
 * Wraps a user-supplied string so it cannot reorder the text around it: always in an RTL message,
 * and in an LTR message when the string itself holds right-to-left characters.
 */
export function isolateUserText(text: string, messageDirection: 'ltr' | 'rtl'): string {
  if (messageDirection === 'rtl' || containsRtl(text)) return FSI + text + PDI;
  return text;
}
