// The pure part of the package (`taskhawk/wire`): everything generated from the schema, with no
// I/O and no AWS SDK. What a contract testee or a consumer needs.
export * from "./generated/index.js";
