package taskhawk

import (
	"context"
	"maps"
	"time"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// Typed task definitions: a task's argument types are declared once, where it is defined, and
// every call is checked by the compiler. The consumer (a Python worker) binds the same call
// against the function's signature; these types are the Go side of that agreement.

// NoArgs is the Args of a task called with keyword arguments only (pass nil).
type NoArgs = []any

// NoKwargs is the Kwargs of a task called with positional arguments only (pass nil).
type NoKwargs = map[string]any

// Task is a task of a consumer, as a publisher sees it: its name and the types of its
// arguments. Args is a slice or array type (NoArgs for none), Kwargs a struct (fields named as
// encoding/json names them) or a map with string keys (NoKwargs for none). A Task is a value:
// each With method returns a changed copy.
type Task[Args, Kwargs any] struct {
	name     string
	priority wire.Priority
	headers  map[string]string
	delay    wire.When
	expires  wire.When
	group    *string
	dedup    *string
	tenant   *string
}

// NewTask defines the task registered as `name` in the consumer, e.g. `tasks.send_email`.
func NewTask[Args, Kwargs any](name string) Task[Args, Kwargs] {
	return Task[Args, Kwargs]{name: name}
}

// Name is the name the task is registered under in the consumer.
func (t Task[Args, Kwargs]) Name() string { return t.name }

// WithPriority sends the task to another priority's queue or topic.
func (t Task[Args, Kwargs]) WithPriority(priority wire.Priority) Task[Args, Kwargs] {
	t.priority = priority
	return t
}

// WithHeaders adds headers (these win over earlier ones of the same name).
func (t Task[Args, Kwargs]) WithHeaders(headers map[string]string) Task[Args, Kwargs] {
	merged := maps.Clone(t.headers)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, headers)
	t.headers = merged
	return t
}

// WithDelay: the task may not start until `delay` after each publish. Up to 15 minutes the
// queue holds the message; longer, the consumer does (`metadata.eta`, format 1.1).
func (t Task[Args, Kwargs]) WithDelay(delay time.Duration) Task[Args, Kwargs] {
	t.delay = wire.After(delay)
	return t
}

// WithDelayUntil: the task may not start before `moment`.
func (t Task[Args, Kwargs]) WithDelayUntil(moment time.Time) Task[Args, Kwargs] {
	t.delay = wire.At(moment)
	return t
}

// WithExpires: the task must not start later than `after` after each publish
// (`metadata.expires`, format 1.1).
func (t Task[Args, Kwargs]) WithExpires(after time.Duration) Task[Args, Kwargs] {
	t.expires = wire.After(after)
	return t
}

// WithExpiresAt: the task must not start after `moment`.
func (t Task[Args, Kwargs]) WithExpiresAt(moment time.Time) Task[Args, Kwargs] {
	t.expires = wire.At(moment)
	return t
}

// WithGroup is the FIFO message group (a FIFO app needs one per call; a standard app refuses
// one): tasks of one group run one at a time, in publish order.
func (t Task[Args, Kwargs]) WithGroup(group string) Task[Args, Kwargs] {
	t.group = &group
	return t
}

// WithDeduplicationID is the FIFO deduplication id (by default the message id).
func (t Task[Args, Kwargs]) WithDeduplicationID(id string) Task[Args, Kwargs] {
	t.dedup = &id
	return t
}

// WithTenant is the tenant the task runs for: its messages carry it as their message group, so
// a standard queue serves tenants fairly (SQS fair queues: one busy tenant no longer delays the
// others); on a FIFO app it is the group (a different WithGroup is refused).
func (t Task[Args, Kwargs]) WithTenant(tenant string) Task[Args, Kwargs] {
	t.tenant = &tenant
	return t
}

// Call is the call of this task with these arguments, as the publisher takes it.
func (t Task[Args, Kwargs]) Call(args Args, kwargs Kwargs) wire.Call {
	return wire.Call{
		Task:            t.name,
		Args:            args,
		Kwargs:          kwargs,
		Headers:         maps.Clone(t.headers),
		Priority:        t.priority,
		Delay:           t.delay,
		Expires:         t.expires,
		Group:           t.group,
		DeduplicationID: t.dedup,
		Tenant:          t.tenant,
	}
}

// Publish publishes one call of this task; its message id.
func (t Task[Args, Kwargs]) Publish(ctx context.Context, publisher *Publisher, args Args, kwargs Kwargs) (string, error) {
	return publisher.Publish(ctx, t.Call(args, kwargs))
}
