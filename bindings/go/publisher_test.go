package taskhawk_test

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	taskhawk "github.com/cloudchacho/taskhawk/bindings/go"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// fakeAWS records every request and answers as it is told: the SQS and SNS APIs a publisher
// uses, nothing more.
type fakeAWS struct {
	mutex    sync.Mutex
	requests []any
	lookups  int
	// failEntries names batch entries (by index) the endpoint reports as failed; skipEntries
	// ones it leaves out of its answer.
	failEntries map[string]bool
	skipEntries map[string]bool
	// errors are returned by the next sends, one each.
	errors []error
}

func (f *fakeAWS) next(request any) error {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.requests = append(f.requests, request)
	if len(f.errors) == 0 {
		return nil
	}
	err := f.errors[0]
	f.errors = f.errors[1:]
	return err
}

func (f *fakeAWS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.lookups++
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://queue.example/" + aws.ToString(in.QueueName))}, nil
}

func (f *fakeAWS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if err := f.next(in); err != nil {
		return nil, err
	}
	return &sqs.SendMessageOutput{MessageId: aws.String("m")}, nil
}

func (f *fakeAWS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if err := f.next(in); err != nil {
		return nil, err
	}
	output := &sqs.SendMessageBatchOutput{}
	for _, entry := range in.Entries {
		id := aws.ToString(entry.Id)
		switch {
		case f.skipEntries[id]:
		case f.failEntries[id]:
			output.Failed = append(output.Failed, sqstypes.BatchResultErrorEntry{Id: entry.Id, Code: aws.String("InvalidParameterValue"), Message: aws.String("no")})
		default:
			output.Successful = append(output.Successful, sqstypes.SendMessageBatchResultEntry{Id: entry.Id})
		}
	}
	return output, nil
}

func (f *fakeAWS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return &sns.PublishOutput{MessageId: aws.String("m")}, f.next(in)
}

func (f *fakeAWS) PublishBatch(_ context.Context, in *sns.PublishBatchInput, _ ...func(*sns.Options)) (*sns.PublishBatchOutput, error) {
	if err := f.next(in); err != nil {
		return nil, err
	}
	output := &sns.PublishBatchOutput{}
	for _, entry := range in.PublishBatchRequestEntries {
		output.Successful = append(output.Successful, snstypes.PublishBatchResultEntry{Id: entry.Id})
	}
	return output, nil
}

func publisher(t *testing.T, fake *fakeAWS, config taskhawk.Config) *taskhawk.Publisher {
	t.Helper()
	if config.Queue == "" {
		config.Queue = "dev-myapp"
	}
	p, err := taskhawk.NewWithClients(fake, fake, config)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type emailKwargs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Retries int    `json:"retries,omitempty"`
}

var sendEmail = taskhawk.NewTask[taskhawk.NoArgs, emailKwargs]("tasks.send_email")

func TestATypedTaskIsPublishedToItsPrioritysQueue(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{DefaultHeaders: map[string]string{"app": "shop", "request_id": "old"}})
	task := sendEmail.WithPriority(wire.PriorityHigh).WithHeaders(map[string]string{"request_id": "r-1"})
	id, err := task.Publish(context.Background(), p, nil, emailKwargs{To: "a@example.com", Subject: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sqs.SendMessageInput)
	if aws.ToString(sent.QueueUrl) != "https://queue.example/TASKHAWK-DEV-MYAPP-HIGH-PRIORITY" {
		t.Fatalf("queue %s", aws.ToString(sent.QueueUrl))
	}
	message, err := wire.Decode([]byte(aws.ToString(sent.MessageBody)))
	if err != nil {
		t.Fatal(err)
	}
	if message.ID != id || message.Task != "tasks.send_email" || len(message.Args) != 0 ||
		message.Kwargs["to"] != "a@example.com" || message.Headers["request_id"] != "r-1" || message.Headers["app"] != "shop" {
		t.Fatalf("message %+v", message)
	}
	if aws.ToString(sent.MessageAttributes["taskhawk_task"].StringValue) != "tasks.send_email" {
		t.Fatalf("attributes %v", sent.MessageAttributes)
	}
}

func TestBadInputIsRefusedAndNothingIsSent(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{})
	numbers := taskhawk.NewTask[[]float64, taskhawk.NoKwargs]("tasks.add")
	calls := []wire.Call{
		numbers.Call([]float64{1, 2}, nil),
		numbers.Call([]float64{1, math.NaN()}, nil),
	}
	_, err := p.PublishBatch(context.Background(), calls)
	var callError *taskhawk.CallError
	var invalid *taskhawk.ValidationError
	if !errors.As(err, &callError) || callError.Index != 1 || !errors.As(err, &invalid) || invalid.Path != "$.args[1]" {
		t.Fatalf("want call 1 refused at $.args[1], got %v", err)
	}
	for _, call := range []wire.Call{
		{Task: "tasks.add", Priority: "urgent"},
		{Task: "tasks.add", Args: []any{int64(1) << 60}},
		{Task: "tasks.add", Args: []any{strings.Repeat("x", wire.SQSMaxBytes)}},
	} {
		if _, err := p.Publish(context.Background(), call); !errors.As(err, &invalid) {
			t.Fatalf("want a ValidationError, got %v", err)
		}
	}
	if len(fake.requests) != 0 || fake.lookups != 0 {
		t.Fatalf("sent %d requests, looked up %d queues", len(fake.requests), fake.lookups)
	}
}

func TestABatchSaysWhatBecameOfEachMessage(t *testing.T) {
	fake := &fakeAWS{failEntries: map[string]bool{"1": true}, skipEntries: map[string]bool{"2": true}}
	p := publisher(t, fake, taskhawk.Config{})
	calls := make([]wire.Call, 12)
	for index := range calls {
		calls[index] = wire.Call{Task: "tasks.count", Args: []any{index}}
	}
	result, err := p.PublishBatch(context.Background(), calls)
	if err != nil {
		t.Fatal(err)
	}
	// Twelve calls are two requests (ten entries at most), each with entries 1 and 2 answered badly.
	if len(fake.requests) != 2 || fake.lookups != 1 {
		t.Fatalf("%d requests, %d lookups", len(fake.requests), fake.lookups)
	}
	want := []taskhawk.Outcome{taskhawk.Sent, taskhawk.NotSent, taskhawk.Unknown}
	for index, message := range result.Messages {
		expected := taskhawk.Sent
		if index%10 < 3 {
			expected = want[index%10]
		}
		if message.Outcome != expected {
			t.Fatalf("message %d: %s (%s), want %s", index, message.Outcome, message.Reason, expected)
		}
	}
	if len(result.With(taskhawk.Sent)) != 9 || result.Err() == nil {
		t.Fatalf("sent %d, err %v", len(result.With(taskhawk.Sent)), result.Err())
	}
	first := fake.requests[0].(*sqs.SendMessageBatchInput)
	for index, entry := range first.Entries {
		message, _ := wire.Decode([]byte(aws.ToString(entry.MessageBody)))
		if message.Args[0] != json(index) {
			t.Fatalf("entry %d holds %v: the order of the calls is lost", index, message.Args)
		}
	}
}

func json(index int) any {
	decoded, _ := wire.Decode([]byte(`{"id":"0d3d8132-07cb-41ee-bcc3-840b8d5e77d6","metadata":{"priority":"default","timestamp":1,"version":"1.0"},"headers":{},"task":"t","args":[` + strconv.Itoa(index) + `],"kwargs":{}}`))
	return decoded.Args[0]
}

type apiError struct {
	code   string
	status int
}

func (e apiError) HTTPStatusCode() int           { return e.status }
func (e apiError) Error() string                 { return e.code }
func (e apiError) ErrorCode() string             { return e.code }
func (e apiError) ErrorMessage() string          { return e.code }
func (e apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

func TestOnlyARequestThatEnqueuedNothingIsSentAgain(t *testing.T) {
	fake := &fakeAWS{errors: []error{apiError{"ThrottlingException", 400}}}
	p := publisher(t, fake, taskhawk.Config{})
	if _, err := p.Publish(context.Background(), wire.Call{Task: "tasks.a"}); err != nil || len(fake.requests) != 2 {
		t.Fatalf("throttled once: %v after %d requests", err, len(fake.requests))
	}
	fake = &fakeAWS{errors: []error{apiError{"InvalidParameterValue", 400}}}
	p = publisher(t, fake, taskhawk.Config{})
	_, err := p.Publish(context.Background(), wire.Call{Task: "tasks.a"})
	var failed *taskhawk.PublishError
	if !errors.As(err, &failed) || failed.Outcome != taskhawk.NotSent || len(fake.requests) != 1 {
		t.Fatalf("refused: %v after %d requests", err, len(fake.requests))
	}
	for _, unknown := range []error{context.DeadlineExceeded, apiError{"InternalError", 500}} {
		fake = &fakeAWS{errors: []error{unknown}}
		p = publisher(t, fake, taskhawk.Config{})
		_, err = p.Publish(context.Background(), wire.Call{Task: "tasks.a"})
		if !errors.As(err, &failed) || failed.Outcome != taskhawk.Unknown || len(fake.requests) != 1 {
			t.Fatalf("%v: %v after %d requests", unknown, err, len(fake.requests))
		}
	}
}

func TestACancelledContextSendsNothing(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	result, err := p.PublishBatch(ctx, []wire.Call{{Task: "tasks.a"}, {Task: "tasks.b"}})
	notSent := result.With(taskhawk.NotSent)
	if err != nil || len(notSent) != 2 || notSent[0].Reason != "not sent: context canceled" || len(fake.requests) != 0 || fake.lookups != 0 {
		t.Fatalf("%v %+v after %d requests", err, result, len(fake.requests))
	}
}

func TestSNSForLambdaApps(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{Topology: wire.SNS, AccountID: "123456789012", Region: "us-east-1"})
	if _, err := p.Publish(context.Background(), wire.Call{Task: "tasks.a", Priority: wire.PriorityBulk}); err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(fake.requests[0].(*sns.PublishInput).TopicArn); arn != "arn:aws:sns:us-east-1:123456789012:taskhawk-dev-myapp-bulk" {
		t.Fatalf("topic %s", arn)
	}
	_, err := sendEmail.WithDelay(time.Minute).Publish(context.Background(), p, nil, emailKwargs{To: "a"})
	var invalid *taskhawk.ValidationError
	if !errors.As(err, &invalid) || invalid.Path != "$.metadata.eta" || len(fake.requests) != 1 {
		t.Fatalf("a delay for a Lambda app: %v", err)
	}
}

func TestFIFOGroupsKeepTheirOrderInOneRequest(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{FIFO: true})
	step := taskhawk.NewTask[[]int, taskhawk.NoKwargs]("tasks.step").WithGroup("order-7")
	calls := []wire.Call{step.Call([]int{1}, nil), step.Call([]int{2}, nil), step.WithDeduplicationID("three").Call([]int{3}, nil)}
	result, err := p.PublishBatch(context.Background(), calls)
	if err != nil || result.Err() != nil {
		t.Fatal(err, result.Err())
	}
	batch := fake.requests[0].(*sqs.SendMessageBatchInput)
	if aws.ToString(batch.QueueUrl) != "https://queue.example/TASKHAWK-DEV-MYAPP.fifo" || len(batch.Entries) != 3 {
		t.Fatalf("batch %+v", batch)
	}
	for index, entry := range batch.Entries {
		dedup := result.Messages[index].ID
		if index == 2 {
			dedup = "three"
		}
		if aws.ToString(entry.MessageGroupId) != "order-7" || aws.ToString(entry.MessageDeduplicationId) != dedup {
			t.Fatalf("entry %d: group %s, deduplication id %s", index, aws.ToString(entry.MessageGroupId), aws.ToString(entry.MessageDeduplicationId))
		}
	}
}

func TestATenantReachesSQSAndSNSAsTheGroup(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{})
	export := taskhawk.NewTask[[]int, taskhawk.NoKwargs]("tasks.export_rows").WithTenant("acme")
	if _, err := export.Publish(context.Background(), p, []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sqs.SendMessageInput)
	if aws.ToString(sent.MessageGroupId) != "acme" || sent.MessageDeduplicationId != nil {
		t.Fatalf("group %v, deduplication id %v", aws.ToString(sent.MessageGroupId), sent.MessageDeduplicationId)
	}
	fake = &fakeAWS{}
	p = publisher(t, fake, taskhawk.Config{Topology: wire.SNS, AccountID: "000000000000", Region: "us-east-1"})
	if _, err := export.Publish(context.Background(), p, []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	if published := fake.requests[0].(*sns.PublishInput); aws.ToString(published.MessageGroupId) != "acme" {
		t.Fatalf("topic group %v", aws.ToString(published.MessageGroupId))
	}
}

func TestTheDefaultTenantComesFromItsHeader(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{DefaultHeaders: map[string]string{"tenant_id": "acme"}, DefaultTenantHeader: "tenant_id"})
	export := taskhawk.NewTask[[]int, taskhawk.NoKwargs]("tasks.export_rows")
	cases := []struct {
		task  taskhawk.Task[[]int, taskhawk.NoKwargs]
		group string
	}{
		{export, "acme"},
		{export.WithHeaders(map[string]string{"tenant_id": "globex"}), "globex"},
		{export.WithHeaders(map[string]string{"tenant_id": "globex"}).WithTenant("initech"), "initech"},
	}
	for _, c := range cases {
		prepared, err := p.Prepare(c.task.Call([]int{1}, nil))
		if err != nil || prepared.Destination.MessageGroupID != c.group {
			t.Fatalf("want group %s: %+v, %v", c.group, prepared, err)
		}
	}
	_, err := p.Prepare(export.WithHeaders(map[string]string{"tenant_id": "acme corp"}).Call([]int{1}, nil))
	var invalid *wire.ValidationError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), `header "tenant_id" (DefaultTenantHeader): a tenant is`) {
		t.Fatalf("a header SQS would refuse as a group: %v", err)
	}
	if len(fake.requests) != 0 {
		t.Fatalf("sent %d requests", len(fake.requests))
	}
	p = publisher(t, &fakeAWS{}, taskhawk.Config{DefaultHeaders: map[string]string{"tenant_id": "acme"}})
	if prepared, err := p.Prepare(export.Call([]int{1}, nil)); err != nil || prepared.Destination.MessageGroupID != "" {
		t.Fatalf("no DefaultTenantHeader, no tenant: %+v, %v", prepared, err)
	}
}

func TestALongDelayTravelsAsETA(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{})
	if _, err := sendEmail.WithDelay(2*time.Hour).WithExpires(3*time.Hour).Publish(context.Background(), p, nil, emailKwargs{To: "a"}); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sqs.SendMessageInput)
	message, err := wire.Decode([]byte(aws.ToString(sent.MessageBody)))
	if err != nil || sent.DelaySeconds != wire.MaxDelaySeconds || message.Metadata.Version != "1.1" || message.Metadata.ETA == nil || message.Metadata.Expires == nil {
		t.Fatalf("%v: DelaySeconds %d, %+v", err, sent.DelaySeconds, message.Metadata)
	}
	old := publisher(t, &fakeAWS{}, taskhawk.Config{MaxFormatVersion: "1.0"})
	_, err = sendEmail.WithDelay(2*time.Hour).Publish(context.Background(), old, nil, emailKwargs{To: "a"})
	var invalid *taskhawk.ValidationError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "needs format 1.1") {
		t.Fatalf("consumers that read 1.0 only: %v", err)
	}
}

func TestPublishersAreSafeForConcurrentUse(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{})
	var group sync.WaitGroup
	for index := range 20 {
		group.Add(1)
		go func() {
			defer group.Done()
			if _, err := p.Publish(context.Background(), wire.Call{Task: "tasks.a", Args: []any{index}, Priority: wire.Priorities[index%4]}); err != nil {
				t.Error(err)
			}
		}()
	}
	group.Wait()
	if len(fake.requests) != 20 || fake.lookups > 8 {
		t.Fatalf("%d requests, %d lookups", len(fake.requests), fake.lookups)
	}
}

type traceKey struct{}

func TestTheTraceContextTravelsInTheRoomTheHeadersLeave(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{TraceContext: func(ctx context.Context, carrier *wire.TraceContext) {
		carrier.Set("traceparent", ctx.Value(traceKey{}).(string))
		carrier.Set("baggage", "k=v")
		carrier.Set("taskhawk_x", "reserved")
		carrier.Set("bad name", "x")
	}})
	ctx := context.WithValue(context.Background(), traceKey{}, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if _, err := p.Publish(ctx, wire.Call{Task: "tasks.a", Headers: map[string]string{"request_id": "r"}}); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sqs.SendMessageInput)
	names := []string{}
	for name := range sent.MessageAttributes {
		names = append(names, name)
	}
	if len(names) != 4 || aws.ToString(sent.MessageAttributes["traceparent"].StringValue) != ctx.Value(traceKey{}) {
		t.Fatalf("attributes %v", names)
	}
	if strings.Contains(aws.ToString(sent.MessageBody), "traceparent") {
		t.Fatal("the trace context is in the body")
	}
	eight := map[string]string{}
	for index := range 8 {
		eight["h"+strconv.Itoa(index)] = "v"
	}
	if _, err := p.Publish(ctx, wire.Call{Task: "tasks.a", Headers: eight}); err != nil {
		t.Fatal(err)
	}
	if last := fake.requests[1].(*sqs.SendMessageInput).MessageAttributes; len(last) != 10 || last["traceparent"].StringValue == nil {
		t.Fatalf("the last room goes to traceparent: %d", len(last))
	}
	nine := map[string]string{}
	for index := range 9 {
		nine["h"+strconv.Itoa(index)] = "v"
	}
	if _, err := p.Publish(ctx, wire.Call{Task: "tasks.a", Headers: nine}); err != nil {
		t.Fatal(err)
	}
	if full := fake.requests[2].(*sqs.SendMessageInput).MessageAttributes; len(full) != 10 || full["traceparent"].StringValue != nil {
		t.Fatalf("ten attributes at most, the headers first: %d", len(full))
	}
}

func TestPrepareContextWritesWhatPublishWould(t *testing.T) {
	fake := &fakeAWS{}
	p := publisher(t, fake, taskhawk.Config{TraceContext: func(ctx context.Context, carrier *wire.TraceContext) {
		carrier.Set("traceparent", ctx.Value(traceKey{}).(string))
	}})
	ctx := context.WithValue(context.Background(), traceKey{}, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	prepared, err := p.PrepareContext(ctx, wire.Call{Task: "tasks.a"})
	if err != nil {
		t.Fatal(err)
	}
	if prepared.Attributes["traceparent"] != ctx.Value(traceKey{}) || len(fake.requests) != 0 {
		t.Fatalf("attributes %v, %d requests", prepared.Attributes, len(fake.requests))
	}
	untraced, err := p.Prepare(wire.Call{Task: "tasks.a"})
	if err != nil || len(untraced.Attributes) != 1 {
		t.Fatalf("Prepare has no context to trace: %v %v", untraced, err)
	}
}
