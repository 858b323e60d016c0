// Command itpublisher publishes with the Go package, as a Go service would, over HTTP to the
// endpoint it is given (tests/integration/test_go_publisher.py). It reads one JSON plan on stdin:
//
//	{"endpoint", "region", "accountId", "accessKeyId", "secretAccessKey", "queue", "topology",
//	 "fifo", "largePayloadBucket"?, "steps": [{"batch": bool, "calls": [{"task", "args", "kwargs", "priority",
//	 "headers", "delay_s"?, "expires_s"?, "group"?}]}]}
//
// publishes each step (one call with Publish, or all with PublishBatch), and prints one JSON
// line: the message ids of each step. With a largePayloadBucket, large messages go through S3
// at the same endpoint. Numbers in args and kwargs are passed as written
// (json.Number), so the plan's values reach the worker exactly.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	taskhawk "github.com/cloudchacho/taskhawk/bindings/go"
	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

type plan struct {
	Endpoint        string `json:"endpoint"`
	Region          string `json:"region"`
	AccountID       string `json:"accountId"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Queue           string `json:"queue"`
	Topology        string `json:"topology"`
	FIFO            bool   `json:"fifo"`
	LargePayloads   string `json:"largePayloadBucket"`
	Steps           []struct {
		Batch bool `json:"batch"`
		Calls []struct {
			Task     string            `json:"task"`
			Args     []any             `json:"args"`
			Kwargs   map[string]any    `json:"kwargs"`
			Priority string            `json:"priority"`
			Headers  map[string]string `json:"headers"`
			DelayS   *float64          `json:"delay_s"`
			ExpiresS *float64          `json:"expires_s"`
			Group    *string           `json:"group"`
			Tenant   *string           `json:"tenant"`
		} `json:"calls"`
	} `json:"steps"`
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	check(err)
	decoder := json.NewDecoder(bytes.NewReader(input))
	decoder.UseNumber()
	var given plan
	check(decoder.Decode(&given))
	cfg := aws.Config{
		Region:       given.Region,
		BaseEndpoint: aws.String(given.Endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: given.AccessKeyID, SecretAccessKey: given.SecretAccessKey}, nil
		}),
	}
	lambda := false // the app's queues subscribe to its topics (raw delivery)
	config := taskhawk.Config{
		Queue: given.Queue, Topology: wire.Topology(given.Topology), AccountID: given.AccountID,
		FIFO: given.FIFO, LambdaApp: &lambda,
	}
	if given.LargePayloads != "" {
		config.LargePayloads = &taskhawk.LargePayloads{Bucket: given.LargePayloads}
	}
	publisher, err := taskhawk.New(cfg, config)
	check(err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids := [][]string{}
	for _, step := range given.Steps {
		calls := make([]wire.Call, len(step.Calls))
		for index, call := range step.Calls {
			task := taskhawk.NewTask[[]any, map[string]any](call.Task).
				WithPriority(wire.Priority(call.Priority)).WithHeaders(call.Headers)
			if call.DelayS != nil {
				task = task.WithDelay(time.Duration(*call.DelayS * float64(time.Second)))
			}
			if call.ExpiresS != nil {
				task = task.WithExpires(time.Duration(*call.ExpiresS * float64(time.Second)))
			}
			if call.Group != nil {
				task = task.WithGroup(*call.Group)
			}
			if call.Tenant != nil {
				task = task.WithTenant(*call.Tenant)
			}
			calls[index] = task.Call(call.Args, call.Kwargs)
		}
		if !step.Batch {
			id, err := publisher.Publish(ctx, calls[0])
			check(err)
			ids = append(ids, []string{id})
			continue
		}
		result, err := publisher.PublishBatch(ctx, calls)
		check(err)
		check(result.Err())
		ids = append(ids, result.IDs())
	}
	check(json.NewEncoder(os.Stdout).Encode(ids))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "itpublisher:", err)
		os.Exit(1)
	}
}
