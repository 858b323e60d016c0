package wire_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

func jsonNumber(text string) json.Number { return json.Number(text) }

func TestTheStrictParserRefusesWhatReadersDisagreeOn(t *testing.T) {
	cases := map[string]string{
		`{"a":1,"a":2}`:        "duplicate-keys",
		`{"a":"\ud800"}`:       "unicode-text",
		`{"a":"\udc00\ud800"}`: "unicode-text",
		`[9007199254740992]`:   "safe-integers",
		`[-9007199254740992]`:  "safe-integers",
		`[1e999]`:              "non-finite-numbers",
		`[NaN]`:                "not valid JSON",
		"\ufeff{}":             "not valid JSON",
		`{} {}`:                "text after the JSON value",
		`[1,]`:                 "not valid JSON",
		`{"a":1,}`:             "not valid JSON",
		`[` + strings.Repeat("[", 32) + strings.Repeat("]", 33): "bounded-input",
		"\"\xff\"": "not valid UTF-8",
	}
	for text, words := range cases {
		_, err := wire.ParseStrict([]byte(text), true)
		var refused *wire.JSONRefused
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), words) {
			t.Errorf("%q: want a refusal saying %q, got %v", text, words, err)
		}
	}
	accepted := []string{
		`{"a":"\ud83d\ude00","b":[9007199254740991,1e20,9007199254740992.0,-0.5]}`,
		`[` + strings.Repeat("[", 31) + strings.Repeat("]", 32),
		` {"\\ud800":"\\"} `,
	}
	for _, text := range accepted {
		if _, err := wire.ParseStrict([]byte(text), true); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
}

func TestNumbersKeepTheirText(t *testing.T) {
	parsed, err := wire.ParseStrict([]byte(`[1460868253255.0, 7]`), true)
	if err != nil {
		t.Fatal(err)
	}
	items := parsed.Value.([]any)
	if items[0] != json.Number("1460868253255.0") || items[1] != json.Number("7") {
		t.Fatalf("%v", items)
	}
}

func TestRFC3339Timestamps(t *testing.T) {
	cases := map[string]int64{
		"2016-04-17T04:44:13.255Z":          1460868253255,
		"2016-04-17T04:44:13.2559999+00:00": 1460868253255,
		"2016-04-17 06:44:13+02:00":         1460868253000,
		"0001-01-01T00:00:00Z":              -62135596800000,
	}
	for text, want := range cases {
		got, err := wire.RFC3339Millis(text)
		if err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", text, got, err, want)
		}
	}
	for _, text := range []string{"2016-02-30T00:00:00Z", "2016-04-17T24:00:00Z", "2016-04-17T00:00:60Z", "0000-01-01T00:00:00Z", "2016-04-17T00:00:00+24:00"} {
		if _, err := wire.RFC3339Millis(text); err == nil {
			t.Errorf("%s: accepted", text)
		}
	}
}
