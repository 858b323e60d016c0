// Publishing tasks from Go for Python workers (docs/publishing-from-go.md shows this file, and
// the test suite runs it against a local endpoint and a real worker).
//
// The Python side defines the task:
//
//	@taskhawk.task
//	def send_email(to: str, subject: str, *, from_email: str = "noreply@example.com") -> None: ...
//
// The Go side declares it once, with its argument types, by the name the worker knows it by.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	taskhawk "github.com/cloudchacho/taskhawk/bindings/go"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

// EmailOptions are send_email's keyword arguments; an empty one is not sent (omitempty).
type EmailOptions struct {
	FromEmail string `json:"from_email,omitempty"`
}

var sendEmail = taskhawk.NewTask[[2]string, EmailOptions]("tasks.send_email")

func main() {
	ctx := context.Background()
	// Region, credentials and AWS_ENDPOINT_URL (a local endpoint in development) from the
	// environment, as every AWS SDK reads them.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	queue := os.Getenv("TASKHAWK_QUEUE") // the app's TASKHAWK_QUEUE setting
	if queue == "" {
		queue = "DEV-MYAPP"
	}
	publisher, err := taskhawk.New(cfg, taskhawk.Config{Queue: queue})
	if err != nil {
		log.Fatal(err)
	}
	id, err := sendEmail.Publish(ctx, publisher, [2]string{"ada@example.com", "Welcome!"}, EmailOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("published", id)
	// A batch: every call is checked before the first is sent, then they go ten at a time.
	result, err := publisher.PublishBatch(ctx, []wire.Call{
		sendEmail.WithPriority(wire.PriorityHigh).WithHeaders(map[string]string{"request_id": "req-1234"}).
			Call([2]string{"grace@example.com", "Your order"}, EmailOptions{}),
		sendEmail.Call([2]string{"ada@example.com", "Your receipt"}, EmailOptions{FromEmail: "billing@example.com"}),
	})
	var invalid *taskhawk.ValidationError
	if errors.As(err, &invalid) {
		log.Fatalf("nothing was sent: %v", err) // the path and the rule the call breaks
	}
	for _, message := range result.Messages {
		// Sent; NotSent: safe to publish again; Unknown: may have reached the queue, check first.
		fmt.Println("published", message.ID, message.Outcome)
	}
	if err := result.Err(); err != nil {
		log.Fatal(err)
	}
}
