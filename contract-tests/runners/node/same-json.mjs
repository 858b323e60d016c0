// JSON values compared by meaning: numbers by value (JSON has one number type, so 1.0 equals 1
// and -0 equals 0), objects by their own members whatever the order (a member named __proto__
// included), everything else by type and value.

export function sameJSON(left, right) {
  if (left === null || right === null || typeof left !== "object" || typeof right !== "object") {
    return left === right;
  }
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  if (Array.isArray(left)) {
    return left.length === right.length && left.every((item, index) => sameJSON(item, right[index]));
  }
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && sameJSON(left[key], right[key]));
}
