// Command contract-testee is the Go package's publisher testee for the Taskhawk contract suite
// (contract-tests/README.md, "Publisher testee protocol"), protocols 1 to 3: a thin wrapper
// around Publisher.PrepareContext, which builds the message, its attributes and its destination
// exactly as Publish does before sending, with the trace context its Config.TraceContext writes
// (here, a protocol 3 request's pairs, in order). It reads one request line, answers one line,
// and only then reads the next (internal/lockstep).
//
//	python -m tools.conformance publisher -- bindings/go/bin/contract-testee
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	taskhawk "github.com/cloudchacho/taskhawk/bindings/go"
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
	publisher, err := taskhawk.NewWithClients(nil, nil, configOf(app))
	if err != nil {
		return map[string]any{"id": request.ID, "error": err.Error()}, nil
	}
	ctx := context.Background()
	if protocol >= 3 {
		ctx = context.WithValue(ctx, traceKey{}, request.TraceContext)
	}
	prepared, err := publisher.PrepareContext(ctx, call)
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
	if tenant, ok := input["tenant"]; ok {
		value := text(tenant)
		call.Tenant = &value
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

// configOf is the case's app as the Publisher's settings: `lambda` marks an SNS-triggered Lambda
// app, `fifo` and `content_based_deduplication` a FIFO app. The account and region only make the
// topic ARNs a send would use; the reply names the topic.
func configOf(app map[string]any) taskhawk.Config {
	lambda := app["lambda"] == true
	return taskhawk.Config{
		Queue:                     text(app["queue"]),
		Topology:                  wire.Topology(text(app["topology"])),
		LambdaApp:                 &lambda,
		FIFO:                      app["fifo"] == true,
		ContentBasedDeduplication: app["content_based_deduplication"] == true,
		AccountID:                 "000000000000",
		Region:                    "us-east-1",
		TraceContext:              propagate,
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

type traceKey struct{}

// propagate is the testee's propagator: it writes the trace context it finds in ctx (a protocol
// 3 request's [name, value] pairs) into the carrier, in order, as OpenTelemetry's Inject writes
// a span's.
func propagate(ctx context.Context, carrier *wire.TraceContext) {
	entries, _ := ctx.Value(traceKey{}).([][2]string)
	for _, entry := range entries {
		carrier.Set(entry[0], entry[1])
	}
}

// refusal is an input the Go API cannot take.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }
