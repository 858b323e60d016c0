// Command firstviolations prints the first violation the generated validators find in each
// instance it reads, so tests/test_go_bindings.py can compare them with the Python library's:
// stdin {"version": "1.0", "kind": "publish", "instances": [...]}, stdout one JSON array of
// [path, rule, message] or null per instance. Instances are read as the decoder reads a body
// (ParseStrict), so an escaped unpaired surrogate reaches the validators as one.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

func main() {
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	parsed, err := wire.ParseStrict(body, false)
	if err != nil {
		fail(err)
	}
	request := parsed.Value.(map[string]any)
	format := wire.Formats[request["version"].(string)]
	validate := format.Publish
	if request["kind"] == "consume" {
		validate = format.Consume
	}
	found := []any{}
	for _, instance := range request["instances"].([]any) {
		if violation := validate(instance); violation != nil {
			found = append(found, []string{violation.Path, violation.Rule, violation.Message})
		} else {
			found = append(found, nil)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(found); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "firstviolations:", err)
	os.Exit(1)
}
