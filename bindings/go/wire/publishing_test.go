package wire_test

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

var (
	sqsApp    = wire.App{Queue: "dev-myapp", Topology: wire.SQS}
	timestamp = int64(1795831712266)
)

func prepare(t *testing.T, call wire.Call, app wire.App, options wire.Options) (*wire.Prepared, error) {
	t.Helper()
	if call.Task == "" {
		call.Task = "tasks.send_email"
	}
	if call.Timestamp == nil {
		call.Timestamp = &timestamp
	}
	return wire.Prepare(call, app, options)
}

// refused asserts a ValidationError naming `path` whose reason holds `words`.
func refused(t *testing.T, err error, path, words string) {
	t.Helper()
	var invalid *wire.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("want a ValidationError at %s, got %v", path, err)
	}
	if invalid.Path != path || !strings.Contains(invalid.Reason, words) {
		t.Fatalf("want %s: ...%s..., got %v", path, words, err)
	}
}

func TestBadValuesAreRefusedWithTheirPath(t *testing.T) {
	cases := []struct {
		name   string
		call   wire.Call
		path   string
		reason string
	}{
		{"NaN", wire.Call{Args: []any{math.NaN()}}, "$.args[0]", "non-finite-numbers"},
		{"infinity in a nested kwarg", wire.Call{Kwargs: map[string]any{"a": map[string]any{"b c": math.Inf(-1)}}}, "$.kwargs.a['b c']", "non-finite-numbers"},
		{"int64 beyond 2^53", wire.Call{Args: []any{"x", int64(1) << 53}}, "$.args[1]", "out of range"},
		{"uint64", wire.Call{Kwargs: map[string]uint64{"n": math.MaxUint64}}, "$.kwargs.n", "out of range"},
		{"big.Int", wire.Call{Args: []any{new(big.Int).Lsh(big.NewInt(1), 64)}}, "$.args[0]", "out of range"},
		{"json.Number", wire.Call{Args: []any{[]any{map[string]any{"n": jsonNumber("9007199254740992")}}}}, "$.args[0][0].n", "safe-integers"},
		{"unknown priority", wire.Call{Priority: "urgent"}, "$.metadata.priority", `must be one of "default", "high", "low", "bulk"`},
		{"invalid UTF-8", wire.Call{Headers: map[string]string{"a": "\xed\xa0\x80"}}, "$.headers.a", "unicode-text"},
		{"a channel", wire.Call{Kwargs: map[string]any{"c": make(chan int)}}, "$.kwargs.c", "cannot be sent as JSON"},
		{"a time", wire.Call{Kwargs: map[string]any{"at": time.Now()}}, "$.kwargs.at", "time.Time (it has an encoding of its own)"},
		{"bytes", wire.Call{Args: []any{[]byte("x")}}, "$.args[0]", "[]uint8"},
		{"a big.Float", wire.Call{Args: []any{big.NewFloat(1)}}, "$.args[0]", "big.Float"},
		{"kwargs that are not an object", wire.Call{Kwargs: []int{1}}, "$.kwargs", "must be an object"},
		{"a reserved header", wire.Call{Headers: map[string]string{"taskhawk_x": "1"}}, "$.headers", `name "taskhawk_x"`},
		{"a task name of 257 characters", wire.Call{Task: strings.Repeat("é", 257)}, "$.task", "at most 256 characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prepared, err := prepare(t, c.call, sqsApp, wire.Options{})
			if prepared != nil {
				t.Fatalf("prepared %s", prepared.Body)
			}
			refused(t, err, c.path, c.reason)
		})
	}
}

func TestAMessageOverTheLimitIsRefused(t *testing.T) {
	big := strings.Repeat("x", wire.SNSMaxBytes)
	_, err := prepare(t, wire.Call{Args: []any{big}}, wire.App{Queue: "q", Topology: wire.SNS}, wire.Options{})
	var tooLarge *wire.MessageTooLarge
	if !errors.As(err, &tooLarge) || tooLarge.Limit != wire.SNSMaxBytes || tooLarge.Service != "SNS" {
		t.Fatalf("want MessageTooLarge for SNS, got %v", err)
	}
	refused(t, err, "$", "over the SNS limit")
	if _, err := prepare(t, wire.Call{Args: []any{big}}, sqsApp, wire.Options{}); err != nil {
		t.Fatalf("SQS takes %d bytes: %v", wire.SNSMaxBytes, err)
	}
}

func TestValuesAreWrittenAsEveryReaderReadsThem(t *testing.T) {
	type Kwargs struct {
		To      string   `json:"to"`
		Skipped string   `json:"-"`
		Empty   []string `json:"cc,omitempty"`
		Count   uint8
	}
	call := wire.Call{
		Args:   []any{7.0, 1e20, float64(1 << 53), 0.1, "é😀\n", nil, true, int32(-3)},
		Kwargs: Kwargs{To: "a@example.com", Skipped: "no", Count: 2},
	}
	prepared, err := prepare(t, call, sqsApp, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `"args":[7.0,1e+20,9007199254740992.0,0.1,"\u00e9\ud83d\ude00\n",null,true,-3],"kwargs":{"Count":2,"to":"a@example.com"}`
	if !strings.Contains(prepared.Body, want) {
		t.Fatalf("body %s lacks %s", prepared.Body, want)
	}
	message, err := wire.Decode([]byte(prepared.Body))
	if err != nil {
		t.Fatalf("the consumer refuses what the publisher wrote: %v", err)
	}
	if message.Args[4] != "é😀\n" || message.Kwargs["to"] != "a@example.com" {
		t.Fatalf("decoded %v %v", message.Args, message.Kwargs)
	}
}

func TestDelaysAndTheOldestFormat(t *testing.T) {
	cases := []struct {
		name    string
		delay   wire.When
		version string
		seconds int32
		eta     bool
	}{
		{"none", wire.When{}, "1.0", 0, false},
		{"1.5 s is rounded up", wire.After(1500 * time.Millisecond), "1.0", 2, false},
		{"15 minutes", wire.After(15 * time.Minute), "1.0", 900, false},
		{"beyond 15 minutes", wire.After(15*time.Minute + time.Millisecond), "1.1", 900, true},
		{"a day", wire.After(24 * time.Hour), "1.1", 900, true},
		{"a moment passed", wire.At(time.UnixMilli(timestamp - 1)), "1.0", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prepared, err := prepare(t, wire.Call{Delay: c.delay}, sqsApp, wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			hasETA := strings.Contains(prepared.Body, `"eta":`)
			if prepared.Version != c.version || prepared.Destination.DelaySeconds != c.seconds || hasETA != c.eta {
				t.Fatalf("version %s, DelaySeconds %d, eta %v: %s", prepared.Version, prepared.Destination.DelaySeconds, hasETA, prepared.Body)
			}
		})
	}
	day := wire.Call{Delay: wire.After(24 * time.Hour), Expires: wire.After(48 * time.Hour)}
	prepared, err := prepare(t, day, sqsApp, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `"metadata":{"priority":"default","timestamp":1795831712266,"version":"1.1","eta":1795918112266,"expires":1796004512266}`
	if !strings.Contains(prepared.Body, want) {
		t.Fatalf("body %s lacks %s", prepared.Body, want)
	}
	_, err = prepare(t, day, sqsApp, wire.Options{Newest: "1.0"})
	refused(t, err, "$.metadata", "needs format 1.1, newer than 1.0")
	_, err = prepare(t, wire.Call{Delay: wire.After(-time.Second)}, sqsApp, wire.Options{})
	refused(t, err, "$.metadata.eta", "must be a duration >= 0")
}

func TestDelaysThroughSNS(t *testing.T) {
	queues := false
	prepared, err := prepare(t, wire.Call{Delay: wire.After(time.Second)}, wire.App{Queue: "q", Topology: wire.SNS, LambdaApp: &queues}, wire.Options{})
	if err != nil || prepared.Destination.DelaySeconds != 0 || !strings.Contains(prepared.Body, `"eta":1795831713266`) {
		t.Fatalf("through SNS a delay is eta only: %v %+v", err, prepared)
	}
	_, err = prepare(t, wire.Call{Delay: wire.After(time.Second)}, wire.App{Queue: "q", Topology: wire.SNS}, wire.Options{})
	refused(t, err, "$.metadata.eta", "SNS-triggered Lambda app")
}

func TestFIFOApps(t *testing.T) {
	fifo := wire.App{Queue: "Dev-Shop", Topology: wire.SQS, FIFO: true}
	_, err := prepare(t, wire.Call{}, fifo, wire.Options{})
	refused(t, err, "MessageGroupId", "message group")
	group := "customer-1"
	prepared, err := prepare(t, wire.Call{Group: &group, Priority: wire.PriorityHigh}, fifo, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	where := prepared.Destination
	if where.Name != "TASKHAWK-DEV-SHOP-HIGH-PRIORITY.fifo" || where.MessageGroupID != group || where.MessageDeduplicationID != prepared.ID {
		t.Fatalf("destination %+v", where)
	}
	_, err = prepare(t, wire.Call{Group: &group, Delay: wire.After(time.Second)}, fifo, wire.Options{})
	refused(t, err, "$.metadata.eta", "FIFO app cannot delay")
	_, err = prepare(t, wire.Call{Group: &group}, sqsApp, wire.Options{})
	refused(t, err, "MessageGroupId", "needs a FIFO app")
	spaced := "a b"
	_, err = prepare(t, wire.Call{Group: &spaced}, fifo, wire.Options{})
	refused(t, err, "MessageGroupId", "ASCII punctuation")
}

func TestATenantIsTheMessageGroup(t *testing.T) {
	tenant, other := "acme", "globex"
	prepared, err := prepare(t, wire.Call{Tenant: &tenant}, sqsApp, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if where := prepared.Destination; where.MessageGroupID != tenant || where.MessageDeduplicationID != "" {
		t.Fatalf("a standard queue's tenant: %+v", where)
	}
	fifo := wire.App{Queue: "Dev-Shop", Topology: wire.SQS, FIFO: true}
	prepared, err = prepare(t, wire.Call{Tenant: &tenant}, fifo, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if where := prepared.Destination; where.MessageGroupID != tenant || where.MessageDeduplicationID != prepared.ID {
		t.Fatalf("a FIFO app's tenant: %+v", where)
	}
	if _, err = prepare(t, wire.Call{Tenant: &tenant, Group: &tenant}, fifo, wire.Options{}); err != nil {
		t.Fatalf("a tenant and the same group: %v", err)
	}
	_, err = prepare(t, wire.Call{Tenant: &tenant, Group: &other}, fifo, wire.Options{})
	refused(t, err, "MessageGroupId", "the tenant is the message group")
	_, err = prepare(t, wire.Call{Tenant: &tenant, Group: &other}, sqsApp, wire.Options{})
	refused(t, err, "MessageGroupId", "needs a FIFO app")
	spaced := "acme corp"
	_, err = prepare(t, wire.Call{Tenant: &spaced}, sqsApp, wire.Options{})
	refused(t, err, "MessageGroupId", "a tenant is 1-128")
}

func TestHeadersBecomeAttributesWhenAtMostNine(t *testing.T) {
	headers := map[string]string{}
	for _, name := range strings.Split("a b c d e f g h i", " ") {
		headers[name] = "v-" + name
	}
	prepared, err := prepare(t, wire.Call{Headers: headers}, sqsApp, wire.Options{})
	if err != nil || len(prepared.Attributes) != 10 || prepared.Attributes["taskhawk_task"] != "tasks.send_email" {
		t.Fatalf("nine headers: %v %v", err, prepared)
	}
	headers["j"] = "v-j"
	prepared, err = prepare(t, wire.Call{Headers: headers}, sqsApp, wire.Options{})
	if err != nil || len(prepared.Attributes) != 1 {
		t.Fatalf("ten headers: %v %v", err, prepared)
	}
}

func TestGeneratedIDsAreFreshVersion4UUIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := wire.NewID()
		if seen[id] || len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("id %s", id)
		}
		seen[id] = true
	}
}

// OpenTelemetry's propagation.TextMapCarrier, spelled here so that the package needs no tracing
// library: a *TraceContext is one.
var _ interface {
	Get(key string) string
	Set(key, value string)
	Keys() []string
} = &wire.TraceContext{}

// The room left by seven headers goes to the first two entries the propagator wrote, whatever
// their names: B3 writes the trace id before the span id and the sampling flag.
func TestTheTraceContextKeepsThePropagatorsOrder(t *testing.T) {
	headers := map[string]string{}
	for _, name := range []string{"h1", "h2", "h3", "h4", "h5", "h6", "h7"} {
		headers[name] = "v"
	}
	traceContext := &wire.TraceContext{}
	traceContext.Set("X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7")
	traceContext.Set("X-B3-SpanId", "e457b5a2e4d86bd1")
	traceContext.Set("X-B3-Sampled", "1")
	traceContext.Set("X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124")
	prepared, err := prepare(t, wire.Call{Headers: headers}, sqsApp, wire.Options{TraceContext: traceContext})
	if err != nil {
		t.Fatal(err)
	}
	attributes := prepared.Attributes
	if len(attributes) != 10 || attributes["X-B3-SpanId"] != "e457b5a2e4d86bd1" || attributes["X-B3-Sampled"] != "" {
		t.Fatalf("attributes %v", attributes)
	}
	if attributes["X-B3-TraceId"] != "463ac35c9f6413ad48485a3953bb6124" || traceContext.Get("X-B3-TraceId") != "463ac35c9f6413ad48485a3953bb6124" {
		t.Fatalf("setting a name again replaces its value: %v", attributes)
	}
	if keys := traceContext.Keys(); len(keys) != 3 || keys[0] != "X-B3-TraceId" || keys[2] != "X-B3-Sampled" {
		t.Fatalf("keys %v", keys)
	}
}
