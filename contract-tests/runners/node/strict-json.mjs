// A strict JSON reader for message bodies, the parser half of a Taskhawk consumer in JavaScript.
//
// JSON.parse cannot make the decisions in schema/README.md: it keeps the last of two equal keys,
// reads 1e999 as Infinity, rounds 2^60 silently, forgets whether 1460868253255.0 was written
// with a fraction, and accepts escaped lone surrogates. This reader refuses all of those while it
// parses (RFC 8259 grammar, nothing more), stops at the nesting bound before any deep recursion,
// and can hand back the exact text of chosen numbers.

export const MAX_DEPTH = 32; // the body's own object is level 1
export const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1

export class JSONRefused extends Error {
  constructor(reason, decision) {
    super(decision ? `${reason} (decision ${decision})` : reason);
    this.decision = decision;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const PLAIN = /[^"\\\u0000-\u001f]*/y; // string text up to a quote, backslash or control
const SURROGATE = /\p{Surrogate}/u; // in u mode a paired surrogate is one code point: no match
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

// Parse `text`; `keepLexeme(keys)` says for which member paths (arrays of keys and indexes) the
// written text of a number is wanted. Returns { value, lexemes } where lexemes maps the path,
// joined with "\u0000", to that text.
export function parseStrict(text, keepLexeme = () => false) {
  const reader = new Reader(text, keepLexeme);
  reader.skipWhitespace();
  const value = reader.value(1);
  reader.skipWhitespace();
  if (reader.at < text.length) reader.fail("text after the JSON value");
  return { value, lexemes: reader.lexemes };
}

class Reader {
  constructor(text, keepLexeme) {
    this.text = text;
    this.at = 0;
    this.keys = [];
    this.keepLexeme = keepLexeme;
    this.lexemes = new Map();
  }

  fail(reason, decision) {
    throw new JSONRefused(decision ? reason : `not valid JSON: ${reason} at offset ${this.at}`, decision);
  }

  skipWhitespace() {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  value(level) {
    const char = this.text[this.at];
    if (char === "{" || char === "[") {
      if (level > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`, "bounded-input");
      return char === "{" ? this.object(level) : this.array(level);
    }
    if (char === '"') return this.string();
    for (const [word, meaning] of [["true", true], ["false", false], ["null", null]]) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return meaning;
      }
    }
    return this.number();
  }

  object(level) {
    const result = {};
    const seen = new Set();
    this.at += 1;
    this.skipWhitespace();
    if (this.text[this.at] === "}") {
      this.at += 1;
      return result;
    }
    for (;;) {
      if (this.text[this.at] !== '"') this.fail("expected a member name");
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, "duplicate-keys");
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.at] !== ":") this.fail("expected ':'");
      this.at += 1;
      this.skipWhitespace();
      this.keys.push(key);
      // defineProperty: a member named __proto__ is data, never the object's prototype.
      Object.defineProperty(result, key, { value: this.value(level + 1), enumerable: true, writable: true, configurable: true });
      this.keys.pop();
      if (this.endOf("}")) return result;
    }
  }

  array(level) {
    const result = [];
    this.at += 1;
    this.skipWhitespace();
    if (this.text[this.at] === "]") {
      this.at += 1;
      return result;
    }
    for (;;) {
      this.keys.push(result.length);
      result.push(this.value(level + 1));
      this.keys.pop();
      if (this.endOf("]")) return result;
    }
  }

  // After a member or an item: true at the closing bracket, false after a comma.
  endOf(closing) {
    this.skipWhitespace();
    const char = this.text[this.at];
    this.at += 1;
    if (char === closing) return true;
    if (char !== ",") this.fail(`expected ',' or '${closing}'`);
    this.skipWhitespace();
    return false;
  }

  string() {
    let out = "";
    this.at += 1;
    for (;;) {
      PLAIN.lastIndex = this.at;
      PLAIN.exec(this.text);
      out += this.text.slice(this.at, PLAIN.lastIndex);
      this.at = PLAIN.lastIndex;
      const char = this.text[this.at];
      if (char === '"') break;
      if (char === undefined) this.fail("unterminated string");
      if (char !== "\\") this.fail("control character in a string");
      out += this.escape();
    }
    this.at += 1;
    if (SURROGATE.test(out)) {
      // Scalar values only (I-JSON): Go and Rust readers cannot carry an unpaired surrogate.
      this.fail("string with an unpaired surrogate", "unicode-text");
    }
    return out;
  }

  escape() {
    const letter = this.text[this.at + 1];
    if (letter === "u") {
      const hex = this.text.slice(this.at + 2, this.at + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("bad \\u escape");
      this.at += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (!(letter in ESCAPES)) this.fail("bad escape");
    this.at += 2;
    return ESCAPES[letter];
  }

  number() {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail("expected a value");
    this.at = NUMBER.lastIndex;
    const lexeme = match[0];
    const value = Number(lexeme);
    if (!Number.isFinite(value)) this.fail(`number ${lexeme} is out of range`, "non-finite-numbers");
    // An integer is a number written without fraction or exponent; 1e20 and 9007199254740992.0
    // are floats, which every reader holds as the same double (decision safe-integers).
    if (Math.abs(value) > MAX_SAFE && !/[.eE]/.test(lexeme)) {
      this.fail(`integer ${lexeme} is outside +-(2^53-1)`, "safe-integers");
    }
    if (this.keepLexeme(this.keys)) this.lexemes.set(this.keys.join("\u0000"), lexeme);
    return value;
  }
}
