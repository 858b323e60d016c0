// A publisher testee in Go for the Taskhawk contract suite (taskhawk-conformance; the testee
// protocol is in contract-tests/README.md). It speaks protocol 2 and builds a plain message, its
// attributes and its destination itself, to show what the suite compares: in a real testee,
// publish() calls your publisher, stopping short of the network.
//
//	go build -o testee . && taskhawk-conformance publisher -- ./testee
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

type request struct {
	Protocol int    `json:"protocol"`
	ID       string `json:"id"`
	Input    struct {
		Task        string            `json:"task"`
		Args        []any             `json:"args"`
		Kwargs      map[string]any    `json:"kwargs"`
		Headers     map[string]string `json:"headers"`
		Priority    string            `json:"priority"`
		ID          *string           `json:"id"`
		TimestampMs *int64            `json:"timestamp_ms"`
	} `json:"input"`
	App struct {
		Queue    string `json:"queue"`
		Topology string `json:"topology"`
	} `json:"app"`
}

type attribute struct {
	DataType    string
	StringValue string
}

var suffixes = map[string]string{"default": "", "high": "-HIGH-PRIORITY", "low": "-LOW-PRIORITY", "bulk": "-BULK"}

func main() {
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 64<<20) // a request can be long; replies reach 1 MiB
	out := bufio.NewWriter(os.Stdout)
	for lines.Scan() { // one request, one reply, flushed, and only then the next request
		reply, _ := json.Marshal(respond(lines.Bytes()))
		out.Write(append(reply, '\n'))
		out.Flush()
	}
}

func respond(line []byte) map[string]any {
	var req request
	decoder := json.NewDecoder(bytes.NewReader(line))
	decoder.UseNumber() // numbers as written: 7.0 stays 7.0, and no integer is rounded
	if err := decoder.Decode(&req); err != nil {
		return map[string]any{"id": "", "error": err.Error()}
	}
	if req.Protocol != 2 { // refusing other versions is how the harness learns which one we speak
		return map[string]any{"id": req.ID, "error": fmt.Sprintf("unsupported protocol %d", req.Protocol)}
	}
	body, attributes, destination := publish(&req)
	return map[string]any{"id": req.ID, "message_text": body, "attributes": attributes, "destination": destination}
}

// publish is what to replace with your publisher: the exact body, attributes and destination.
func publish(req *request) (string, map[string]attribute, map[string]any) {
	in := req.Input
	id, timestamp := newUUID(), time.Now().UnixMilli() // made as in real use unless the case gives them
	if in.ID != nil {
		id = *in.ID
	}
	if in.TimestampMs != nil {
		timestamp = *in.TimestampMs
	}
	message := map[string]any{
		"id":       id,
		"metadata": map[string]any{"priority": in.Priority, "timestamp": timestamp, "version": "1.0"},
		"headers":  orEmpty(in.Headers), "task": in.Task, "args": orEmptyList(in.Args), "kwargs": orEmptyMap(in.Kwargs),
	}
	body, _ := json.Marshal(message)
	attributes := map[string]attribute{"taskhawk_task": {"String", in.Task}}
	if len(in.Headers) <= 9 { // every header, or none: the rule needs no ordered map
		for name, value := range in.Headers {
			attributes[name] = attribute{"String", value}
		}
	}
	suffix := suffixes[in.Priority]
	if req.App.Topology == "sns" {
		topic := "taskhawk-" + strings.ToLower(req.App.Queue) + strings.ToLower(suffix)
		return string(body), attributes, map[string]any{"transport": "sns", "topic": topic}
	}
	queue := "TASKHAWK-" + strings.ToUpper(req.App.Queue) + suffix
	return string(body), attributes, map[string]any{"transport": "sqs", "queue": queue}
}

func newUUID() string { // RFC 9562 version 4
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Go writes a nil map or slice as null, which every consumer refuses.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}
