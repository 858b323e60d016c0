// Package taskhawk publishes taskhawk task calls from Go, for Python `taskhawk worker`s (and
// Lambda functions) to run: each call is prepared by the rules generated from the message schema
// (package wire: message, body, attributes, destination, size) before anything is sent, then
// sent through SQS or SNS with the AWS SDK for Go v2.
package taskhawk

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// Config is the publishing app's settings.
type Config struct {
	// Queue is the app's queue setting (TASKHAWK_QUEUE), say `dev-myapp`.
	Queue string
	// Topology: wire.SQS (the default) sends to the priority's queue; wire.SNS publishes to
	// its topic (Lambda apps).
	Topology wire.Topology
	// LambdaApp, with the SNS topology: Lambda functions subscribe to the topics (nil or true,
	// as IS_LAMBDA_APP says in Python: a delay is refused) or the app's queues do (false: a
	// delay travels as `metadata.eta`).
	LambdaApp *bool
	// FIFO queues and topics (TASKHAWK_FIFO): names end in `.fifo`, every call needs a message
	// group (WithGroup, or a tenant), and delays are refused.
	FIFO bool
	// ContentBasedDeduplication: the FIFO queues deduplicate by content
	// (TASKHAWK_FIFO_CONTENT_BASED_DEDUPLICATION), so a call without WithDeduplicationID is
	// sent without a deduplication id. Unset: the message id is.
	ContentBasedDeduplication bool
	// AccountID is the AWS account id, to build topic ARNs; needed for the SNS topology.
	AccountID string
	// Region for topic ARNs; empty for the aws.Config's.
	Region string
	// DefaultHeaders are headers every message carries; a call's own headers win.
	DefaultHeaders map[string]string
	// DefaultTenantHeader names a header whose value is the tenant of a call without one
	// (WithTenant), as TASKHAWK_DEFAULT_TENANT_HEADER does in Python: its message group, which
	// makes a standard queue fair between tenants. Empty: only WithTenant sets a tenant.
	DefaultTenantHeader string
	// MaxFormatVersion is the newest message format the app's consumers read, as
	// TASKHAWK_MAX_FORMAT_VERSION says in Python: a call that needs a newer one (a delay beyond
	// 900 s, an expiry) is refused. Upgrade every consumer first; empty, the newest this
	// package knows.
	MaxFormatVersion string
	// TraceContext, when set, writes the trace context of a publish's context into the carrier
	// as a propagator does (W3C `traceparent`, `tracestate`, `baggage`; with OpenTelemetry:
	// otel.GetTextMapPropagator().Inject(ctx, carrier)). Its entries travel as message
	// attributes, in its order, in the room the headers leave of SQS's ten, never in the body
	// (decision trace-context), so a Python worker's task span joins the publisher's trace.
	TraceContext func(ctx context.Context, carrier *wire.TraceContext)
	// LargePayloads, when set, sends messages over the destination's limit (or its threshold,
	// or all) through S3, as the Python library's TASKHAWK_LARGE_PAYLOAD_* settings do: the body
	// is put in the bucket and the message carries a pointer that Python workers, Lambda
	// handlers and AWS's extended client libraries read.
	LargePayloads *LargePayloads
	// Now and NewID replace the wall clock and the random message ids (tests).
	Now   func() time.Time
	NewID func() string
}

// Publisher publishes task calls for one app. It is safe for concurrent use.
type Publisher struct {
	app    wire.App
	config Config
	sender *sender
}

// New is a publisher for the app `config` describes, sending with clients made from `cfg`
// (aws.Config, from config.LoadDefaultConfig).
func New(cfg aws.Config, config Config) (*Publisher, error) {
	if config.Region == "" {
		config.Region = cfg.Region
	}
	if config.LargePayloads != nil && config.LargePayloads.Client == nil {
		large := *config.LargePayloads
		large.Client = s3.NewFromConfig(cfg, func(options *s3.Options) { options.UsePathStyle = cfg.BaseEndpoint != nil })
		config.LargePayloads = &large
	}
	return NewWithClients(sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg), config)
}

// NewWithClients is a publisher sending through these clients (or anything with their methods).
func NewWithClients(sqsClient SQSAPI, snsClient SNSAPI, config Config) (*Publisher, error) {
	if config.Topology == "" {
		config.Topology = wire.SQS
	}
	if config.Topology != wire.SQS && config.Topology != wire.SNS {
		return nil, errors.New("taskhawk: topology must be sqs or sns, not " + string(config.Topology))
	}
	if config.Queue == "" {
		return nil, errors.New("taskhawk: the app's queue setting (Queue) is empty")
	}
	if config.Topology == wire.SNS && (config.AccountID == "" || config.Region == "") {
		return nil, errors.New("taskhawk: the sns topology needs AccountID and a region, to build topic ARNs")
	}
	if config.MaxFormatVersion != "" && !wire.IsFormatVersion(config.MaxFormatVersion) {
		return nil, errors.New("taskhawk: MaxFormatVersion " + config.MaxFormatVersion + " is not a format this package knows")
	}
	if config.LargePayloads != nil {
		large := *config.LargePayloads
		if err := large.check(); err != nil {
			return nil, err
		}
		config.LargePayloads = &large
	}
	app := wire.App{
		Queue: config.Queue, Topology: config.Topology, LambdaApp: config.LambdaApp,
		FIFO: config.FIFO, ContentBasedDeduplication: config.ContentBasedDeduplication,
	}
	topicARN := func(topic string) string {
		return "arn:aws:sns:" + config.Region + ":" + config.AccountID + ":" + topic
	}
	send := &sender{sqs: sqsClient, sns: snsClient, topicARN: topicARN, urls: map[string]string{}}
	return &Publisher{app: app, config: config, sender: send}, nil
}

// App is the app the publisher publishes for.
func (p *Publisher) App() wire.App { return p.app }

// Prepare checks and encodes a call as it would be sent, without sending it; a
// *wire.ValidationError names the path of the first rule it breaks.
func (p *Publisher) Prepare(call wire.Call) (*wire.Prepared, error) {
	message, _, err := p.prepare(call, nil)
	return message, err
}

// PrepareContext is Prepare as Publish would do it in ctx: with the trace context
// Config.TraceContext writes for ctx in the attributes. With LargePayloads, a message that
// would go through S3 is the pointer (nothing is put in S3).
func (p *Publisher) PrepareContext(ctx context.Context, call wire.Call) (*wire.Prepared, error) {
	message, _, err := p.prepare(call, p.traceContext(ctx))
	return message, err
}

// traceContext is what Config.TraceContext writes for ctx, nil without one.
func (p *Publisher) traceContext(ctx context.Context) *wire.TraceContext {
	if p.config.TraceContext == nil {
		return nil
	}
	traceContext := &wire.TraceContext{}
	p.config.TraceContext(ctx, traceContext)
	return traceContext
}

// prepare is the message as sent and, when it goes as a pointer, the payload to put in S3.
func (p *Publisher) prepare(call wire.Call, traceContext *wire.TraceContext) (*wire.Prepared, *payload, error) {
	if len(p.config.DefaultHeaders) > 0 {
		headers := maps.Clone(p.config.DefaultHeaders)
		maps.Copy(headers, call.Headers)
		call.Headers = headers
	}
	if call.Tenant == nil && p.config.DefaultTenantHeader != "" {
		tenant, err := p.defaultTenant(call.Headers)
		if err != nil {
			return nil, nil, err
		}
		call.Tenant = tenant
	}
	options := wire.Options{
		Newest: p.config.MaxFormatVersion, TraceContext: traceContext, Now: p.config.Now, NewID: p.config.NewID,
		Unlimited: p.config.LargePayloads != nil,
	}
	message, err := wire.Prepare(call, p.app, options)
	if err != nil || p.config.LargePayloads == nil {
		return message, nil, err
	}
	message, item := p.config.LargePayloads.offload(message, traceContext)
	return message, item, nil
}

// defaultTenant is the value of the header DefaultTenantHeader names, nil when the message has
// none; a value SQS would refuse as a group is refused naming the header it came from.
func (p *Publisher) defaultTenant(headers map[string]string) (*string, error) {
	name := p.config.DefaultTenantHeader
	tenant, given := headers[name]
	if !given {
		return nil, nil
	}
	var invalid *wire.ValidationError
	if err := wire.CheckFIFOID(tenant, "tenant"); errors.As(err, &invalid) {
		return nil, &wire.ValidationError{Path: invalid.Path, Reason: "header " + strconv.Quote(name) + " (DefaultTenantHeader): " + invalid.Reason}
	}
	return &tenant, nil
}

// Publish publishes one call; its message id. A *wire.ValidationError means nothing was sent;
// a *PublishError says whether the message was not sent or its outcome is unknown.
func (p *Publisher) Publish(ctx context.Context, call wire.Call) (string, error) {
	result, err := p.PublishBatch(ctx, []wire.Call{call})
	if err != nil {
		return "", err
	}
	message := result.Messages[0]
	if message.Outcome != Sent {
		return message.ID, &PublishError{message}
	}
	return message.ID, nil
}

// PublishBatch publishes calls in as few requests as the limits allow (ten messages, and the
// size limit, per request), in order, each destination's messages in the order of the calls
// (so a FIFO group keeps its order). Every call is prepared first: if any breaks a rule, the
// error names it (its index and path) and nothing is sent. Otherwise the result says what
// became of each message; result.Err() is nil when all were sent.
func (p *Publisher) PublishBatch(ctx context.Context, calls []wire.Call) (BatchResult, error) {
	traceContext := p.traceContext(ctx)
	prepared := make([]*wire.Prepared, len(calls))
	payloads := make([]*payload, len(calls))
	for index, call := range calls {
		message, item, err := p.prepare(call, traceContext)
		if err != nil {
			if len(calls) == 1 {
				return BatchResult{}, err
			}
			return BatchResult{}, &CallError{Index: index, Err: err}
		}
		prepared[index], payloads[index] = message, item
	}
	if large := p.config.LargePayloads; large != nil {
		// S3 first: a failure there sends nothing.
		if err := large.store(ctx, payloads); err != nil {
			return BatchResult{Messages: outcomes(prepared, NotSent, "large payload not stored in S3, nothing sent: "+err.Error())}, nil
		}
	}
	result := BatchResult{Messages: make([]MessageOutcome, len(calls))}
	for _, chunk := range chunks(prepared) {
		outcome := p.sender.send(ctx, chunk.destination, chunk.messages)
		for position, index := range chunk.indexes {
			result.Messages[index] = outcome[position]
		}
	}
	if large := p.config.LargePayloads; large != nil {
		large.discardUnsent(ctx, payloads, result)
	}
	return result, nil
}

// CallError is the refusal of one call of a batch: nothing of the batch was sent.
type CallError struct {
	Index int
	Err   error
}

func (e *CallError) Error() string {
	return "call " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

func (e *CallError) Unwrap() error { return e.Err }

type chunk struct {
	destination wire.Destination
	messages    []*wire.Prepared
	indexes     []int
}

// chunks groups messages by destination (a delay is part of it, since a batch entry carries its
// own), in the order of the calls, into requests of at most MaxBatch messages and the size limit.
func chunks(prepared []*wire.Prepared) []chunk {
	var result []chunk
	open := map[string]int{}
	sizes := map[string]int{}
	for index, message := range prepared {
		where := message.Destination
		key := string(where.Transport) + " " + where.Name + " " + strconv.Itoa(int(where.DelaySeconds))
		position, ok := open[key]
		if ok && (len(result[position].messages) == wire.MaxBatch || sizes[key]+message.Size > message.Limit) {
			ok = false
		}
		if !ok {
			result = append(result, chunk{destination: where})
			position = len(result) - 1
			open[key], sizes[key] = position, 0
		}
		result[position].messages = append(result[position].messages, message)
		result[position].indexes = append(result[position].indexes, index)
		sizes[key] += message.Size
	}
	return result
}
