// Command consumer-testee is the Go package's consumer testee for the Taskhawk contract suite
// (contract-tests/README.md, "Consumer testee protocol"), protocol 1: each body through
// wire.Decode, the package's strict decoder and generated validators, answered with its verdict
// and the call it decodes to. It reads one request line, answers one line, and only then reads
// the next (internal/lockstep).
//
//	python -m tools.conformance consumer -- bindings/go/bin/consumer-testee
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/cloudchacho/taskhawk/bindings/go/internal/lockstep"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

const protocol = 1

func main() {
	lockstep.Serve("consumer-testee", respond)
}

func respond(line []byte) (any, error) {
	var request struct {
		Protocol      json.Number `json:"protocol"`
		ID            string      `json:"id"`
		PayloadBase64 string      `json:"payload_base64"`
	}
	if err := json.Unmarshal(line, &request); err != nil {
		return nil, err
	}
	if request.Protocol.String() != strconv.Itoa(protocol) {
		return map[string]any{"id": request.ID, "error": "unsupported protocol " + request.Protocol.String()}, nil
	}
	body, err := base64.StdEncoding.DecodeString(request.PayloadBase64)
	if err != nil {
		return nil, fmt.Errorf("%s: payload_base64: %w", request.ID, err)
	}
	message, err := wire.Decode(body)
	var invalid *wire.ValidationError
	if errors.As(err, &invalid) {
		return map[string]any{"id": request.ID, "valid": false, "error_path": invalid.Path, "error": err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", request.ID, err)
	}
	return map[string]any{"id": request.ID, "valid": true, "decoded": decodedOf(message)}, nil
}

// decodedOf is the call as the vectors write it: arguments as decoded (numbers as written, as
// json.Number), the times in milliseconds, `eta_ms` and `expires_ms` only when the message has them.
func decodedOf(message *wire.Message) map[string]any {
	decoded := map[string]any{
		"id": message.ID, "task": message.Task, "args": message.Args, "kwargs": message.Kwargs,
		"headers": message.Headers, "priority": message.Metadata.Priority,
		"timestamp_ms": message.Metadata.Timestamp,
	}
	if message.Metadata.ETA != nil {
		decoded["eta_ms"] = *message.Metadata.ETA
	}
	if message.Metadata.Expires != nil {
		decoded["expires_ms"] = *message.Metadata.Expires
	}
	return decoded
}
