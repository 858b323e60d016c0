package main

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The two stand-ins the corpus uses inside JSON values (contract-tests/README.md): {"$number":
// "NaN"} for a number JSON text cannot carry exactly, {"$repeat": {"text", "count"}} for a long
// string.

var integerText = regexp.MustCompile(`^-?[0-9]+$`)

// fromInput is a publisher input's value as Go holds it: an integer beyond int64 a *big.Int (it
// stays an integer the publisher must refuse), NaN and the infinities float64s, a number written
// with a fraction or exponent a float64, any other an int64.
func fromInput(value any) any {
	switch typed := value.(type) {
	case json.Number:
		return numberOf(string(typed))
	case []any:
		items := make([]any, len(typed))
		for index, item := range typed {
			items[index] = fromInput(item)
		}
		return items
	case map[string]any:
		if len(typed) == 1 {
			if text, ok := typed["$number"].(string); ok {
				return numberOf(text)
			}
			if repeat, ok := typed["$repeat"].(map[string]any); ok {
				count, _ := repeat["count"].(json.Number).Int64()
				return strings.Repeat(repeat["text"].(string), int(count))
			}
		}
		members := make(map[string]any, len(typed))
		for key, member := range typed {
			members[key] = fromInput(member)
		}
		return members
	}
	return value
}

func numberOf(text string) any {
	if integerText.MatchString(text) {
		if value, err := strconv.ParseInt(text, 10, 64); err == nil {
			return value
		}
		value, _ := new(big.Int).SetString(text, 10)
		return value
	}
	switch text {
	case "NaN":
		return math.NaN()
	case "Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	value, _ := strconv.ParseFloat(text, 64)
	return value
}

// hasLoneSurrogate finds a \uD800-\uDFFF escape in the request line that is not half of a pair.
func hasLoneSurrogate(line []byte) bool {
	for index := 0; index+5 < len(line); index++ {
		if line[index] != '\\' {
			continue
		}
		if line[index+1] != 'u' {
			index++ // an escaped character, possibly a backslash
			continue
		}
		unit, err := strconv.ParseUint(string(line[index+2:index+6]), 16, 32)
		if err != nil || unit < 0xd800 || unit > 0xdfff {
			index += 5
			continue
		}
		if unit >= 0xdc00 || index+11 >= len(line) || line[index+6] != '\\' || line[index+7] != 'u' {
			return true
		}
		low, err := strconv.ParseUint(string(line[index+8:index+12]), 16, 32)
		if err != nil || low < 0xdc00 || low > 0xdfff {
			return true
		}
		index += 11
	}
	return false
}
