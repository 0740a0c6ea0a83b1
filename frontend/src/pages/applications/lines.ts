/** A textarea's lines as a list, trimmed, blank lines dropped. */
export const toLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
