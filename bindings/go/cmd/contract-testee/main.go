// Command contract-testee is the Go package's publisher testee for the Taskhawk contract suite
// (contract-tests/README.md, "Publisher testee protocol"), protocols 1 to 3: a thin wrapper
// around wire.Prepare, which builds the message, its attributes and its destination exactly as
// the Publisher does before sending, with a protocol 3 request's trace context in a
// wire.TraceContext as the Publisher's Config.TraceContext fills one. It reads one request line,
// answers one line, and only then reads the next (internal/lockstep).
//
//	python -m tools.conformance publisher -- bindings/go/bin/contract-testee
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudchacho/taskhawk/bindings/go/internal/lockstep"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

var protocols = map[int]bool{1: true, 2: true, 3: true}

// protocol 1 names no app.
var protocol1App = map[string]any{"queue": "dev-myapp", "topology": "sqs"}

func main() {
	lockstep.Serve("contract-testee", func(line []byte) (any, error) { return respond(line) })
}

func respond(line []byte) (map[string]any, error) {
	decoder := json.NewDecoder(bytes.NewReader(line))
	decoder.UseNumber()
	var request struct {
		Protocol     json.Number    `json:"protocol"`
		ID           string         `json:"id"`
		Input        map[string]any `json:"input"`
		App          map[string]any `json:"app"`
		TraceContext [][2]string    `json:"trace_context"`
	}
	if err := decoder.Decode(&request); err != nil {
		return nil, err
	}
	protocol, _ := request.Protocol.Int64()
	if !protocols[int(protocol)] {
		return map[string]any{"id": request.ID, "error": "unsupported protocol " + request.Protocol.String()}, nil
	}
	// encoding/json turns an escaped unpaired surrogate into U+FFFD: that is not the case's input.
	if hasLoneSurrogate(line) {
		return map[string]any{"id": request.ID, "skipped": "the JSON decoder replaces unpaired surrogates"}, nil
	}
	app := protocol1App
	if protocol >= 2 {
		app = request.App
	}
	call, err := callOf(request.Input)
	var refused *refusal
	if errors.As(err, &refused) {
		return map[string]any{"id": request.ID, "error": refused.reason}, nil
	}
	if err != nil {
		return nil, err
	}
	options := wire.Options{}
	if protocol >= 3 && request.TraceContext != nil {
		options.TraceContext = traceContextOf(request.TraceContext)
	}
	prepared, err := wire.Prepare(call, appOf(app), options)
	var invalid *wire.ValidationError
	if errors.As(err, &invalid) {
		return map[string]any{"id": request.ID, "error": err.Error()}, nil
	}
	if err != nil {
		return nil, err
	}
	reply := map[string]any{"id": request.ID, "message_text": prepared.Body, "attributes": attributesOf(prepared.Attributes)}
	if protocol >= 2 {
		reply["destination"] = destinationOf(prepared.Destination)
	}
	return reply, nil
}

// callOf is the case's input as a call; a *refusal when the Go API cannot even take it (a
// header, a task name or an id that is not a string: the types say no), which the publisher's
// caller would have been told by the compiler.
func callOf(input map[string]any) (wire.Call, error) {
	headers := map[string]string{}
	if given, ok := input["headers"].(map[string]any); ok {
		for name, value := range given {
			text, isText := value.(string)
			if !isText {
				return wire.Call{}, &refusal{fmt.Sprintf("$.headers: %q is not a string (map[string]string)", name)}
			}
			headers[name] = text
		}
	}
	for _, name := range []string{"task", "id"} {
		if value, given := input[name]; given {
			if _, isText := value.(string); !isText {
				return wire.Call{}, &refusal{fmt.Sprintf("$.%s: %v is not a string", name, value)}
			}
		}
	}
	call := wire.Call{Task: text(input["task"]), Headers: headers, Priority: wire.Priority(text(input["priority"]))}
	call.Args = fromInput(input["args"])
	call.Kwargs = fromInput(input["kwargs"])
	if id, ok := input["id"]; ok {
		value := text(id)
		call.ID = &value
	}
	if timestamp, ok := input["timestamp_ms"].(json.Number); ok {
		millis, err := timestamp.Int64()
		if err != nil {
			return call, err
		}
		call.Timestamp = &millis
	}
	// Schedules count from the message's timestamp, which Prepare takes as the clock.
	if delay, ok := input["delay_ms"].(json.Number); ok {
		call.Delay = wire.After(milliseconds(delay))
	}
	if expires, ok := input["expires_after_ms"].(json.Number); ok {
		call.Expires = wire.After(milliseconds(expires))
	}
	if group, ok := input["group_id"]; ok {
		value := text(group)
		call.Group = &value
	}
	if deduplication, ok := input["deduplication_id"]; ok {
		value := text(deduplication)
		call.DeduplicationID = &value
	}
	return call, nil
}

func milliseconds(number json.Number) time.Duration {
	value, _ := number.Float64()
	return time.Duration(value * float64(time.Millisecond))
}

func text(value any) string {
	if value == nil {
		return ""
	}
	if typed, ok := value.(string); ok {
		return typed
	}
	return fmt.Sprint(value)
}

// appOf is the case's app as the package's: `lambda` marks an SNS-triggered Lambda app, `fifo`
// and `content_based_deduplication` a FIFO app.
func appOf(app map[string]any) wire.App {
	lambda := app["lambda"] == true
	return wire.App{
		Queue:                     text(app["queue"]),
		Topology:                  wire.Topology(text(app["topology"])),
		LambdaApp:                 &lambda,
		FIFO:                      app["fifo"] == true,
		ContentBasedDeduplication: app["content_based_deduplication"] == true,
	}
}

func attributesOf(attributes map[string]string) map[string]any {
	result := map[string]any{}
	for name, value := range attributes {
		result[name] = map[string]string{"DataType": wire.AttributeDataType, "StringValue": value}
	}
	return result
}

// destinationOf reports a DelaySeconds and FIFO ids wherever they were asked for, so that one
// asked of the wrong queue or topic is seen.
func destinationOf(destination wire.Destination) map[string]any {
	result := map[string]any{"transport": string(destination.Transport)}
	if destination.Transport == wire.SNS {
		result["topic"] = destination.Name
	} else {
		result["queue"] = destination.Name
	}
	if destination.DelaySeconds != 0 {
		result["delay_seconds"] = destination.DelaySeconds
	}
	if destination.MessageGroupID != "" {
		result["message_group_id"] = destination.MessageGroupID
	}
	if destination.MessageDeduplicationID != "" {
		result["message_deduplication_id"] = destination.MessageDeduplicationID
	}
	return result
}

// traceContextOf is the request's [name, value] pairs set in order into the carrier a
// propagator writes to, as a Publisher's Config.TraceContext would have it do.
func traceContextOf(entries [][2]string) *wire.TraceContext {
	traceContext := &wire.TraceContext{}
	for _, entry := range entries {
		traceContext.Set(entry[0], entry[1])
	}
	return traceContext
}

// refusal is an input the Go API cannot take.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }
