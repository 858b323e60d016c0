package taskhawk_test

import (
	"context"
	encodingjson "encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	taskhawk "github.com/cloudchacho/taskhawk/bindings/go"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// fakeS3 keeps the objects put in it; failPuts makes the puts after that many fail.
type fakeS3 struct {
	mutex    sync.Mutex
	objects  map[string]string
	puts     int
	failPuts int
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.puts++
	if f.failPuts > 0 && f.puts > f.failPuts {
		return nil, errors.New("AccessDenied: no")
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	if f.objects == nil {
		f.objects = map[string]string{}
	}
	f.objects[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)] = string(body)
	return &s3.PutObjectOutput{}, nil
}

func (f *fakeS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	delete(f.objects, aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}

func offloading(t *testing.T, fake *fakeAWS, store *fakeS3, large taskhawk.LargePayloads, config taskhawk.Config) *taskhawk.Publisher {
	t.Helper()
	large.Client = store
	config.LargePayloads = &large
	return publisher(t, fake, config)
}

func bigCall(bytes int) wire.Call {
	return wire.Call{Task: "tasks.measure", Args: []any{strings.Repeat("x", bytes)}}
}

func TestAMessageOverTheLimitGoesThroughS3AsAPointer(t *testing.T) {
	fake, store := &fakeAWS{}, &fakeS3{}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "payloads"}, taskhawk.Config{})
	id, err := p.Publish(context.Background(), bigCall(10<<20))
	if err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sqs.SendMessageInput)
	bucket, key, ok := wire.PointerLocation(aws.ToString(sent.MessageBody))
	if !ok || bucket != "payloads" || key != id {
		t.Fatalf("body %s is not a pointer to payloads/%s", aws.ToString(sent.MessageBody), id)
	}
	stored := store.objects["payloads/"+id]
	var message struct {
		ID   string   `json:"id"`
		Args []string `json:"args"`
	}
	if err := encodingjson.Unmarshal([]byte(stored), &message); err != nil || message.ID != id || len(message.Args[0]) != 10<<20 {
		t.Fatalf("stored object does not decode to the message: %v", err)
	}
	size := sent.MessageAttributes[taskhawk.SizeAttribute]
	if aws.ToString(size.DataType) != "Number" || aws.ToString(size.StringValue) != strconv.Itoa(len(stored)) {
		t.Fatalf("size attribute %s %s, payload %d bytes", aws.ToString(size.DataType), aws.ToString(size.StringValue), len(stored))
	}
	if task := sent.MessageAttributes[wire.TaskAttribute]; aws.ToString(task.DataType) != "String" || aws.ToString(task.StringValue) != "tasks.measure" {
		t.Fatalf("task attribute %+v", task)
	}
}

func TestOnlyMessagesOverTheThresholdGoThroughS3UnlessAlways(t *testing.T) {
	for _, test := range []struct {
		large     taskhawk.LargePayloads
		bytes     int
		offloaded bool
	}{
		{taskhawk.LargePayloads{Bucket: "b"}, 1000, false},
		{taskhawk.LargePayloads{Bucket: "b"}, wire.SQSMaxBytes - 1000, false},
		{taskhawk.LargePayloads{Bucket: "b"}, wire.SQSMaxBytes, true},
		{taskhawk.LargePayloads{Bucket: "b", Threshold: 2000}, 1000, false},
		{taskhawk.LargePayloads{Bucket: "b", Threshold: 2000}, 3000, true},
		{taskhawk.LargePayloads{Bucket: "b", Threshold: 10 * wire.SQSMaxBytes}, wire.SQSMaxBytes, true},
		{taskhawk.LargePayloads{Bucket: "b", Always: true}, 10, true},
	} {
		fake, store := &fakeAWS{}, &fakeS3{}
		p := offloading(t, fake, store, test.large, taskhawk.Config{})
		if _, err := p.Publish(context.Background(), bigCall(test.bytes)); err != nil {
			t.Fatal(err)
		}
		_, _, pointer := wire.PointerLocation(aws.ToString(fake.requests[0].(*sqs.SendMessageInput).MessageBody))
		if pointer != test.offloaded || (len(store.objects) == 1) != test.offloaded {
			t.Errorf("%+v, %d bytes: pointer %v, %d objects", test.large, test.bytes, pointer, len(store.objects))
		}
	}
}

func TestSNSGetsThePointerAboveItsOwnLimit(t *testing.T) {
	fake, store := &fakeAWS{}, &fakeS3{}
	config := taskhawk.Config{Topology: wire.SNS, AccountID: "123456789012", Region: "us-east-1"}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "b"}, config)
	if _, err := p.Publish(context.Background(), bigCall(wire.SNSMaxBytes)); err != nil {
		t.Fatal(err)
	}
	sent := fake.requests[0].(*sns.PublishInput)
	if _, _, ok := wire.PointerLocation(aws.ToString(sent.Message)); !ok {
		t.Fatalf("not a pointer: %.100s", aws.ToString(sent.Message))
	}
	if aws.ToString(sent.MessageAttributes[taskhawk.SizeAttribute].DataType) != "Number" {
		t.Fatalf("attributes %+v", sent.MessageAttributes)
	}
}

func TestABatchCountsPointersNotPayloads(t *testing.T) {
	fake, store := &fakeAWS{}, &fakeS3{}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "b"}, taskhawk.Config{})
	calls := []wire.Call{bigCall(2 << 20), bigCall(2 << 20), bigCall(100)}
	result, err := p.PublishBatch(context.Background(), calls)
	if err != nil || result.Err() != nil {
		t.Fatal(err, result.Err())
	}
	if len(fake.requests) != 1 || len(fake.requests[0].(*sqs.SendMessageBatchInput).Entries) != 3 || len(store.objects) != 2 {
		t.Fatalf("%d requests, %d objects", len(fake.requests), len(store.objects))
	}
}

func TestAnS3FailureSendsNothingAndSaysSo(t *testing.T) {
	fake, store := &fakeAWS{}, &fakeS3{failPuts: 1}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "b"}, taskhawk.Config{})
	result, err := p.PublishBatch(context.Background(), []wire.Call{bigCall(2 << 20), bigCall(100), bigCall(2 << 20)})
	if err != nil {
		t.Fatal(err)
	}
	for _, message := range result.Messages {
		if message.Outcome != taskhawk.NotSent || !strings.Contains(message.Reason, "large payload not stored in S3, nothing sent: AccessDenied") {
			t.Fatalf("%+v", message)
		}
	}
	if len(fake.requests) != 0 || len(store.objects) != 0 {
		t.Fatalf("%d requests sent, %d objects left", len(fake.requests), len(store.objects))
	}
	var publishError *taskhawk.PublishError
	if _, err := p.Publish(context.Background(), bigCall(2<<20)); !errors.As(err, &publishError) || publishError.Outcome != taskhawk.NotSent {
		t.Fatalf("Publish: %v", err)
	}
}

func TestThePayloadOfARefusedMessageIsRemovedAndOfAnUnknownOneKept(t *testing.T) {
	fake, store := &fakeAWS{failEntries: map[string]bool{"0": true}, skipEntries: map[string]bool{"1": true}}, &fakeS3{}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "b", Always: true}, taskhawk.Config{})
	result, err := p.PublishBatch(context.Background(), []wire.Call{bigCall(10), bigCall(10), bigCall(10)})
	if err != nil {
		t.Fatal(err)
	}
	for index, outcome := range []taskhawk.Outcome{taskhawk.NotSent, taskhawk.Unknown, taskhawk.Sent} {
		_, kept := store.objects["b/"+result.Messages[index].ID]
		if result.Messages[index].Outcome != outcome || kept == (outcome == taskhawk.NotSent) {
			t.Errorf("message %d: %s, object kept %v", index, result.Messages[index].Outcome, kept)
		}
	}
}

func TestTheSizeAttributeTakesTheRoomOfTheLastTraceEntry(t *testing.T) {
	fake, store := &fakeAWS{}, &fakeS3{}
	headers := map[string]string{}
	for index := range 7 {
		headers["h"+strconv.Itoa(index)] = "v"
	}
	trace := func(_ context.Context, carrier *wire.TraceContext) {
		carrier.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		carrier.Set("tracestate", "a=b")
	}
	p := offloading(t, fake, store, taskhawk.LargePayloads{Bucket: "b", Always: true}, taskhawk.Config{DefaultHeaders: headers, TraceContext: trace})
	if _, err := p.Publish(context.Background(), bigCall(10)); err != nil {
		t.Fatal(err)
	}
	attributes := fake.requests[0].(*sqs.SendMessageInput).MessageAttributes
	_, parent := attributes["traceparent"]
	_, state := attributes["tracestate"]
	if len(attributes) != wire.MaxAttributes || !parent || state || attributes[taskhawk.SizeAttribute].StringValue == nil {
		t.Fatalf("attributes %v", attributes)
	}
}

func TestLargePayloadSettingsAreChecked(t *testing.T) {
	for _, large := range []taskhawk.LargePayloads{
		{Bucket: "", Client: &fakeS3{}},
		{Bucket: "b", Threshold: -1, Client: &fakeS3{}},
		{Bucket: "b"},
	} {
		if _, err := taskhawk.NewWithClients(&fakeAWS{}, &fakeAWS{}, taskhawk.Config{Queue: "q", LargePayloads: &large}); err == nil {
			t.Errorf("%+v accepted", large)
		}
	}
}
