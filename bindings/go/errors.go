package taskhawk

import (
	"errors"
	"strconv"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// ValidationError is the error for a call that breaks the wire contract (wire.ValidationError,
// naming the path): nothing was sent. errors.As finds it.
type ValidationError = wire.ValidationError

// Outcome is what became of one message of a publish.
type Outcome int

// The outcomes.
const (
	// Sent: SQS or SNS has it.
	Sent Outcome = iota
	// NotSent: it was not enqueued (refused, or no request reached the endpoint); sending it
	// again cannot run the task twice.
	NotSent
	// Unknown: the request may have reached the endpoint (a timeout, a connection lost after
	// the request went out); sending it again could run the task twice.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Sent:
		return "sent"
	case NotSent:
		return "not sent"
	case Unknown:
		return "unknown"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// MessageOutcome is what became of one message: its id, its outcome and, unless sent, why.
type MessageOutcome struct {
	ID      string
	Outcome Outcome
	Reason  string
}

// PublishError is a message that was not sent, or whose outcome is unknown.
type PublishError struct {
	MessageOutcome
}

func (e *PublishError) Error() string {
	return "message " + e.ID + " " + e.Outcome.String() + ": " + e.Reason
}

// BatchResult is what became of each message of PublishBatch, in the order of the calls.
type BatchResult struct {
	Messages []MessageOutcome
}

// IDs are the messages' ids, in the order of the calls.
func (r BatchResult) IDs() []string {
	ids := make([]string, len(r.Messages))
	for index, message := range r.Messages {
		ids[index] = message.ID
	}
	return ids
}

// With is the messages of one outcome.
func (r BatchResult) With(outcome Outcome) []MessageOutcome {
	var found []MessageOutcome
	for _, message := range r.Messages {
		if message.Outcome == outcome {
			found = append(found, message)
		}
	}
	return found
}

// Err is nil when every message was sent, else each message that was not, joined.
func (r BatchResult) Err() error {
	var failures []error
	for _, message := range r.Messages {
		if message.Outcome != Sent {
			failures = append(failures, &PublishError{message})
		}
	}
	return errors.Join(failures...)
}
