package taskhawk

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// Sending through SQS (SendMessage, SendMessageBatch) and SNS (Publish, PublishBatch), with what
// became of each message: sent, not sent, or unknown (taskhawk/transport/aws_send.py does the
// same in Python, bindings/typescript/src/send.ts in TypeScript).
//
// One request per chunk, sent again only when the error proves nothing was enqueued (no
// connection, throttled); a timeout or a connection lost after the request went out leaves the
// outcome unknown, since sending again could deliver the task twice. The SDK's own retries are
// off for sends for that reason. A batch answer is cross-checked: every entry must be reported
// as successful or failed, anything else is unknown.

// SQSAPI is the part of the SQS client a publisher uses (*sqs.Client has it).
type SQSAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, options ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, options ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, options ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SNSAPI is the part of the SNS client a publisher uses (*sns.Client has it).
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, options ...func(*sns.Options)) (*sns.PublishOutput, error)
	PublishBatch(ctx context.Context, in *sns.PublishBatchInput, options ...func(*sns.Options)) (*sns.PublishBatchOutput, error)
}

// sendAttempts bounds the tries of a request that provably enqueued nothing.
const sendAttempts = 3

var throttled = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottled": true,
	"RequestThrottledException": true, "TooManyRequestsException": true, "KMSThrottlingException": true,
}

type sender struct {
	sqs      SQSAPI
	sns      SNSAPI
	topicARN func(topic string) string
	mutex    sync.Mutex
	urls     map[string]string
}

// answer is one request's reply, as both services give it: per-entry ids of success and failure.
type answer struct {
	successful []string
	failed     map[string]string
}

// send sends up to MaxBatch prepared messages to one destination in one request.
func (s *sender) send(ctx context.Context, destination wire.Destination, messages []*wire.Prepared) []MessageOutcome {
	if ctx.Err() != nil {
		return outcomes(messages, NotSent, "not sent: "+context.Cause(ctx).Error())
	}
	var request func(context.Context) (answer, error)
	if destination.Transport == wire.SNS {
		request = s.snsRequest(s.topicARN(destination.Name), messages)
	} else {
		url, err := s.queueURL(ctx, destination.Name)
		if err != nil {
			reason := "cannot find SQS queue " + destination.Name + " (" + err.Error() + "); `taskhawk provision` creates it"
			return outcomes(messages, NotSent, reason)
		}
		request = s.sqsRequest(url, destination, messages)
	}
	var result answer
	var err error
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return outcomes(messages, NotSent, "not sent: "+context.Cause(ctx).Error())
		}
		result, err = request(ctx)
		if err == nil || !(isThrottled(err) || dialFailed(err)) || attempt == sendAttempts {
			break
		}
		pause := time.Duration(rand.Int64N(int64(100*time.Millisecond) << attempt))
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	if err != nil {
		if nothingSent(err) {
			return outcomes(messages, NotSent, err.Error())
		}
		return outcomes(messages, Unknown, "outcome unknown: the endpoint may have it, so it was not sent again ("+err.Error()+")")
	}
	return crossCheck(messages, result)
}

func outcomes(messages []*wire.Prepared, outcome Outcome, reason string) []MessageOutcome {
	result := make([]MessageOutcome, len(messages))
	for index, message := range messages {
		result[index] = MessageOutcome{message.ID, outcome, reason}
	}
	return result
}

// crossCheck maps a batch answer (entries are named by their index) to each message's outcome.
func crossCheck(messages []*wire.Prepared, result answer) []MessageOutcome {
	sent := map[string]bool{}
	for _, entry := range result.successful {
		sent[entry] = true
	}
	outcome := make([]MessageOutcome, len(messages))
	for index, message := range messages {
		entry := strconv.Itoa(index)
		reason, failed := result.failed[entry]
		switch {
		case sent[entry] && !failed:
			outcome[index] = MessageOutcome{message.ID, Sent, ""}
		case failed && !sent[entry]:
			outcome[index] = MessageOutcome{message.ID, NotSent, reason}
		default:
			outcome[index] = MessageOutcome{message.ID, Unknown, "outcome unknown: the answer does not say what became of this entry"}
		}
	}
	return outcome
}

// nothingSent: no connection was made, or the endpoint refused the whole request (a 4xx answer,
// throttling included), which enqueues nothing. A 5xx answer (the service itself failed), a
// timeout or a connection lost after the request went out may have enqueued it.
func nothingSent(err error) bool {
	if dialFailed(err) {
		return true
	}
	var answered interface{ HTTPStatusCode() int }
	return errors.As(err, &answered) && answered.HTTPStatusCode() > 0 && answered.HTTPStatusCode() < 500
}

func dialFailed(err error) bool {
	var operation *net.OpError
	return errors.As(err, &operation) && operation.Op == "dial"
}

func isThrottled(err error) bool {
	var apiError smithy.APIError
	return errors.As(err, &apiError) && throttled[apiError.ErrorCode()]
}

func (s *sender) queueURL(ctx context.Context, name string) (string, error) {
	s.mutex.Lock()
	known, ok := s.urls[name]
	s.mutex.Unlock()
	if ok {
		return known, nil
	}
	// A lookup changes nothing, so any failure may be tried again.
	var answer *sqs.GetQueueUrlOutput
	var err error
	for attempt := 1; attempt <= sendAttempts && ctx.Err() == nil; attempt++ {
		if answer, err = s.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)}); err == nil {
			break
		}
	}
	if err == nil && answer == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return "", err
	}
	s.mutex.Lock()
	s.urls[name] = aws.ToString(answer.QueueUrl)
	s.mutex.Unlock()
	return aws.ToString(answer.QueueUrl), nil
}

func noSQSRetries(options *sqs.Options) { options.RetryMaxAttempts = 1 }

func noSNSRetries(options *sns.Options) { options.RetryMaxAttempts = 1 }

func optional(text string) *string {
	if text == "" {
		return nil
	}
	return aws.String(text)
}

func sqsAttributes(attributes map[string]string) map[string]sqstypes.MessageAttributeValue {
	result := make(map[string]sqstypes.MessageAttributeValue, len(attributes))
	for name, value := range attributes {
		result[name] = sqstypes.MessageAttributeValue{DataType: aws.String(attributeDataType(name)), StringValue: aws.String(value)}
	}
	return result
}

func snsAttributes(attributes map[string]string) map[string]snstypes.MessageAttributeValue {
	result := make(map[string]snstypes.MessageAttributeValue, len(attributes))
	for name, value := range attributes {
		result[name] = snstypes.MessageAttributeValue{DataType: aws.String(attributeDataType(name)), StringValue: aws.String(value)}
	}
	return result
}

func (s *sender) sqsRequest(url string, destination wire.Destination, messages []*wire.Prepared) func(context.Context) (answer, error) {
	if len(messages) == 1 {
		message := messages[0]
		return func(ctx context.Context) (answer, error) {
			output, err := s.sqs.SendMessage(ctx, &sqs.SendMessageInput{
				QueueUrl: aws.String(url), MessageBody: aws.String(message.Body),
				MessageAttributes: sqsAttributes(message.Attributes), DelaySeconds: destination.DelaySeconds,
				MessageGroupId:         optional(message.Destination.MessageGroupID),
				MessageDeduplicationId: optional(message.Destination.MessageDeduplicationID),
			}, noSQSRetries)
			if err != nil || aws.ToString(output.MessageId) == "" {
				return answer{}, err
			}
			return answer{successful: []string{"0"}}, nil
		}
	}
	entries := make([]sqstypes.SendMessageBatchRequestEntry, len(messages))
	for index, message := range messages {
		entries[index] = sqstypes.SendMessageBatchRequestEntry{
			Id: aws.String(strconv.Itoa(index)), MessageBody: aws.String(message.Body),
			MessageAttributes: sqsAttributes(message.Attributes), DelaySeconds: message.Destination.DelaySeconds,
			MessageGroupId:         optional(message.Destination.MessageGroupID),
			MessageDeduplicationId: optional(message.Destination.MessageDeduplicationID),
		}
	}
	return func(ctx context.Context) (answer, error) {
		output, err := s.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}, noSQSRetries)
		if err != nil {
			return answer{}, err
		}
		result := answer{failed: map[string]string{}}
		for _, entry := range output.Successful {
			result.successful = append(result.successful, aws.ToString(entry.Id))
		}
		for _, entry := range output.Failed {
			result.failed[aws.ToString(entry.Id)] = aws.ToString(entry.Code) + ": " + aws.ToString(entry.Message)
		}
		return result, nil
	}
}

func (s *sender) snsRequest(topicARN string, messages []*wire.Prepared) func(context.Context) (answer, error) {
	if len(messages) == 1 {
		message := messages[0]
		return func(ctx context.Context) (answer, error) {
			output, err := s.sns.Publish(ctx, &sns.PublishInput{
				TopicArn: aws.String(topicARN), Message: aws.String(message.Body),
				MessageAttributes:      snsAttributes(message.Attributes),
				MessageGroupId:         optional(message.Destination.MessageGroupID),
				MessageDeduplicationId: optional(message.Destination.MessageDeduplicationID),
			}, noSNSRetries)
			if err != nil || aws.ToString(output.MessageId) == "" {
				return answer{}, err
			}
			return answer{successful: []string{"0"}}, nil
		}
	}
	entries := make([]snstypes.PublishBatchRequestEntry, len(messages))
	for index, message := range messages {
		entries[index] = snstypes.PublishBatchRequestEntry{
			Id: aws.String(strconv.Itoa(index)), Message: aws.String(message.Body),
			MessageAttributes:      snsAttributes(message.Attributes),
			MessageGroupId:         optional(message.Destination.MessageGroupID),
			MessageDeduplicationId: optional(message.Destination.MessageDeduplicationID),
		}
	}
	return func(ctx context.Context) (answer, error) {
		output, err := s.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(topicARN), PublishBatchRequestEntries: entries}, noSNSRetries)
		if err != nil {
			return answer{}, err
		}
		result := answer{failed: map[string]string{}}
		for _, entry := range output.Successful {
			result.successful = append(result.successful, aws.ToString(entry.Id))
		}
		for _, entry := range output.Failed {
			result.failed[aws.ToString(entry.Id)] = aws.ToString(entry.Code) + ": " + aws.ToString(entry.Message)
		}
		return result, nil
	}
}
