package taskhawk

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// Large payloads through S3, as the Python library (taskhawk/offload.py) and the TypeScript
// package (bindings/typescript/src/offload.ts) send them: with a bucket set, a message over its
// destination's limit (or a threshold, or every message) is put in S3 under its message id and
// the queue or topic gets a pointer in the format of AWS's SQS/SNS Extended Client Libraries,
// with the payload's size as the Number attribute ExtendedPayloadSize. The objects are put after
// every call was checked and before the first message is sent, so an S3 failure sends nothing.

const (
	// SizeAttribute carries a pointer's payload size in bytes, a Number attribute.
	SizeAttribute = "ExtendedPayloadSize"
	// LegacySizeAttribute is the name older extended clients give it.
	LegacySizeAttribute = "SQSLargePayloadSize"
	numberDataType      = "Number"
)

// S3API is the part of the S3 client a publisher uses (*s3.Client has it).
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, options ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, options ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// LargePayloads says which messages go through S3 (the Python settings
// TASKHAWK_LARGE_PAYLOAD_BUCKET, _THRESHOLD and _ALWAYS).
type LargePayloads struct {
	// Bucket keeps the bodies; a consumer reads the bucket from the pointer.
	Bucket string
	// Threshold is the size in bytes (body and attributes) above which a message goes through
	// S3; 0 (or more than the destination's limit): the destination's limit.
	Threshold int
	// Always sends every message through S3, whatever its size.
	Always bool
	// Client puts the bodies; nil with New: an S3 client made from the same aws.Config (path
	// style when it names an endpoint). NewWithClients needs one.
	Client S3API
}

func (l *LargePayloads) check() error {
	switch {
	case l.Bucket == "":
		return errors.New("taskhawk: LargePayloads.Bucket is empty")
	case l.Threshold < 0:
		return errors.New("taskhawk: LargePayloads.Threshold must be 0 or more bytes, not " + strconv.Itoa(l.Threshold))
	case l.Client == nil:
		return errors.New("taskhawk: LargePayloads.Client is nil (New makes one from the aws.Config)")
	}
	return nil
}

// payload is a body S3 keeps for a message sent as a pointer.
type payload struct {
	key  string
	body string
}

// offload is the message as sent: itself, or a pointer to its body in S3 with the payload to
// put there. traceContext names the attributes to drop first when the size attribute needs room.
func (l *LargePayloads) offload(message *wire.Prepared, traceContext *wire.TraceContext) (*wire.Prepared, *payload) {
	threshold := message.Limit
	if l.Threshold > 0 && l.Threshold < threshold {
		threshold = l.Threshold
	}
	if !l.Always && message.Size <= threshold {
		return message, nil
	}
	pointer := *message
	pointer.Body = wire.PointerBody(l.Bucket, message.ID)
	pointer.Attributes = pointerAttributes(message.Attributes, len(message.Body), traceContext)
	pointer.Size = wire.TransportSize(pointer.Body, pointer.Attributes)
	return &pointer, &payload{key: message.ID, body: message.Body}
}

// pointerAttributes are the message's attributes and the payload's size. With no room left, one
// goes: the trace context entry set last, else the header attribute whose name sorts last (the
// header stays in the body); never `taskhawk_task`.
func pointerAttributes(attributes map[string]string, payloadSize int, traceContext *wire.TraceContext) map[string]string {
	kept := maps.Clone(attributes)
	delete(kept, SizeAttribute)
	delete(kept, LegacySizeAttribute)
	if len(kept) >= wire.MaxAttributes {
		kept = withoutOne(kept, traceContext)
	}
	kept[SizeAttribute] = strconv.Itoa(payloadSize)
	return kept
}

func withoutOne(attributes map[string]string, traceContext *wire.TraceContext) map[string]string {
	if traceContext != nil {
		keys := traceContext.Keys()
		for index := len(keys) - 1; index >= 0; index-- {
			if value, ok := attributes[keys[index]]; ok && value == traceContext.Get(keys[index]) && keys[index] != wire.TaskAttribute {
				delete(attributes, keys[index])
				return attributes
			}
		}
	}
	names := slices.Sorted(maps.Keys(attributes))
	for index := len(names) - 1; index >= 0; index-- {
		if names[index] != wire.TaskAttribute {
			delete(attributes, names[index])
			break
		}
	}
	return attributes
}

// store puts every payload (nil: none) in S3; if one fails, it removes those already put and
// says why.
func (l *LargePayloads) store(ctx context.Context, payloads []*payload) error {
	payloads = slices.DeleteFunc(slices.Clone(payloads), func(item *payload) bool { return item == nil })
	for index, item := range payloads {
		_, err := l.Client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(l.Bucket), Key: aws.String(item.key), Body: bytes.NewReader([]byte(item.body)),
			ContentLength: aws.Int64(int64(len(item.body))),
		})
		if err != nil {
			l.remove(ctx, payloads[:index])
			return err
		}
	}
	return nil
}

// remove deletes payloads no pointer will ever name; one left behind is the bucket's lifecycle
// rule's to expire.
func (l *LargePayloads) remove(ctx context.Context, payloads []*payload) {
	for _, item := range payloads {
		_, _ = l.Client.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: aws.String(l.Bucket), Key: aws.String(item.key)})
	}
}

// discardUnsent removes the payloads of messages refused (not sent); those of unknown outcome
// are kept, as their message may exist.
// payloads[i] is the payload of the i-th message, nil when it went whole.
func (l *LargePayloads) discardUnsent(ctx context.Context, payloads []*payload, result BatchResult) {
	var refused []*payload
	for index, message := range result.Messages {
		if payloads[index] != nil && message.Outcome == NotSent {
			refused = append(refused, payloads[index])
		}
	}
	l.remove(ctx, refused)
}

// attributeDataType is how SQS and SNS type an attribute: a payload's size is a Number.
func attributeDataType(name string) string {
	if name == SizeAttribute || name == LegacySizeAttribute {
		return numberDataType
	}
	return wire.AttributeDataType
}
