// The two stand-ins the corpus uses inside JSON values (contract-tests/README.md):
// {"$number": "NaN"} for a number JSON text cannot carry exactly, {"$repeat": {"text", "count"}}
// for a long string.

export function repeatedText(value) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$repeat") return value.$repeat.text.repeat(value.$repeat.count);
  }
  return undefined;
}

// Rebuild objects with defineProperty so that a member named __proto__ stays a member.
function mapValues(value, convert) {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== "object") return value;
  const result = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(result, key, { value: convert(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

export function expandRepeats(value) {
  return repeatedText(value) ?? mapValues(value, expandRepeats);
}

// A publisher input's value as JavaScript holds it: an integer beyond +-(2^53-1) is a BigInt
// (it stays an integer the publisher must refuse), NaN and the infinities are numbers.
export function fromInput(value) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$number") {
      const text = value.$number;
      return /^-?[0-9]+$/.test(text) && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text);
    }
  }
  return repeatedText(value) ?? mapValues(value, fromInput);
}
