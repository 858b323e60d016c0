package wire_test

// The consumer vectors of the contract suite (contract-tests/README.md, "Consumer vectors")
// through Decode: every verdict, every decoded call, every error path, with the Go consumer's
// own failure list (contract-tests/failure-lists/go-consumer.txt): a listed case must fail, an
// unlisted one pass.

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

const corpus = "../../../contract-tests"

type vector struct {
	ID            string            `json:"id"`
	PayloadText   *string           `json:"payload_text"`
	PayloadBase64 *string           `json:"payload_base64"`
	PayloadParts  []json.RawMessage `json:"payload_parts"`
	Valid         bool              `json:"valid"`
	Decoded       map[string]any    `json:"decoded"`
	ErrorPath     string            `json:"error_path"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	var all []vector
	for _, group := range []string{"required", "decisions"} {
		files, err := filepath.Glob(filepath.Join(corpus, "v1", group, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no vector files in %s (%v)", group, err)
		}
		for _, file := range files {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var document struct {
				Cases []vector `json:"cases"`
			}
			decoder := json.NewDecoder(strings.NewReader(string(text)))
			decoder.UseNumber()
			if err := decoder.Decode(&document); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			all = append(all, document.Cases...)
		}
	}
	return all
}

func failureList(t *testing.T, name string) map[string]string {
	t.Helper()
	file, err := os.Open(filepath.Join(corpus, "failure-lists", name))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	listed := map[string]string{}
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, "#")
		listed[strings.TrimSpace(id)] = strings.TrimSpace(reason)
	}
	return listed
}

func payload(t *testing.T, v vector) []byte {
	t.Helper()
	switch {
	case v.PayloadText != nil:
		return []byte(*v.PayloadText)
	case v.PayloadBase64 != nil:
		raw, err := base64.StdEncoding.DecodeString(*v.PayloadBase64)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	var text strings.Builder
	for _, part := range v.PayloadParts {
		var piece any
		decoder := json.NewDecoder(strings.NewReader(string(part)))
		decoder.UseNumber()
		if err := decoder.Decode(&piece); err != nil {
			t.Fatal(err)
		}
		text.WriteString(expand(piece).(string))
	}
	return []byte(text.String())
}

// expand replaces each {"$repeat": {"text", "count"}} by its string.
func expand(value any) any {
	switch typed := value.(type) {
	case []any:
		items := make([]any, len(typed))
		for index, item := range typed {
			items[index] = expand(item)
		}
		return items
	case map[string]any:
		if repeat, ok := typed["$repeat"].(map[string]any); ok && len(typed) == 1 {
			count, _ := repeat["count"].(json.Number).Int64()
			return strings.Repeat(repeat["text"].(string), int(count))
		}
		members := map[string]any{}
		for key, member := range typed {
			members[key] = expand(member)
		}
		return members
	}
	return value
}

// sameJSON compares JSON values, numbers by value (7.0 is 7).
func sameJSON(left, right any) bool {
	leftNumber, leftIsNumber := left.(json.Number)
	rightNumber, rightIsNumber := right.(json.Number)
	if leftIsNumber || rightIsNumber {
		a, okA := new(big.Rat).SetString(string(leftNumber))
		b, okB := new(big.Rat).SetString(string(rightNumber))
		return leftIsNumber && rightIsNumber && okA && okB && a.Cmp(b) == 0
	}
	switch l := left.(type) {
	case []any:
		r, ok := right.([]any)
		if !ok || len(l) != len(r) {
			return false
		}
		for index := range l {
			if !sameJSON(l[index], r[index]) {
				return false
			}
		}
		return true
	case map[string]any:
		r, ok := right.(map[string]any)
		if !ok || len(l) != len(r) {
			return false
		}
		for key, value := range l {
			if other, present := r[key]; !present || !sameJSON(value, other) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(left, right)
}

func millis(value *int64) any {
	if value == nil {
		return nil
	}
	return json.Number(fmt.Sprint(*value))
}

// decodedOf is a decoded message as the vectors write it.
func decodedOf(message *wire.Message) map[string]any {
	headers := map[string]any{}
	for name, value := range message.Headers {
		headers[name] = value
	}
	decoded := map[string]any{
		"id": message.ID, "task": message.Task, "args": message.Args, "kwargs": message.Kwargs,
		"headers": headers, "priority": message.Metadata.Priority,
		"timestamp_ms": json.Number(fmt.Sprint(message.Metadata.Timestamp)),
	}
	if message.Metadata.ETA != nil {
		decoded["eta_ms"] = millis(message.Metadata.ETA)
	}
	if message.Metadata.Expires != nil {
		decoded["expires_ms"] = millis(message.Metadata.Expires)
	}
	return decoded
}

// problem is what is wrong with Decode's answer for the vector, or "".
func problem(t *testing.T, v vector) string {
	message, err := wire.Decode(payload(t, v))
	var invalid *wire.ValidationError
	if err != nil && !errors.As(err, &invalid) {
		return "not a ValidationError: " + err.Error()
	}
	switch {
	case v.Valid && err != nil:
		return "refused a valid message: " + err.Error()
	case !v.Valid && err == nil:
		return "accepted an invalid message"
	case !v.Valid && v.ErrorPath != "" && invalid.Path != v.ErrorPath:
		return fmt.Sprintf("error path %s, expected %s (%v)", invalid.Path, v.ErrorPath, err)
	case v.Valid && !sameJSON(decodedOf(message), expand(v.Decoded)):
		return fmt.Sprintf("decoded %v, expected %v", decodedOf(message), v.Decoded)
	}
	return ""
}

func TestConsumerVectors(t *testing.T) {
	listed := failureList(t, "go-consumer.txt")
	seen := map[string]bool{}
	for _, v := range loadVectors(t) {
		seen[v.ID] = true
		found := problem(t, v)
		reason, expected := listed[v.ID]
		switch {
		case found != "" && !expected:
			t.Errorf("%s: %s", v.ID, found)
		case found == "" && expected:
			t.Errorf("%s: passes, but go-consumer.txt lists it (%s): remove the entry", v.ID, reason)
		}
	}
	for id := range listed {
		if !seen[id] {
			t.Errorf("go-consumer.txt lists %s, which names no vector", id)
		}
	}
}
