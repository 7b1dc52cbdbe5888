// A command line split into arguments as a POSIX shell splits words: blanks and newlines separate,
// '…' keeps everything literally, "…" keeps blanks and lets \ escape " \ $ and `, a \ outside quotes
// escapes the next character, and \ before a newline joins lines. Nothing is expanded ($VAR, globs,
// pipes stay plain text: the node runs the command without a shell).
export class SplitError extends Error {}

export function splitCommand(text) {
  const words = [];
  let word = "";
  let inWord = false;
  let quote = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === "\\" && index + 1 < text.length && '"\\$`\n'.includes(text[index + 1])) {
        index += 1;
        if (text[index] !== "\n") word += text[index];
      } else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\") {
      index += 1;
      if (index >= text.length) throw new SplitError("trailing");
      if (text[index] !== "\n") {
        word += text[index];
        inWord = true;
      }
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new SplitError(quote === "'" ? "single" : "double");
  if (inWord) words.push(word);
  return words;
}

