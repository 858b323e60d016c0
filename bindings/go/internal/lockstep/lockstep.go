// Package lockstep serves the contract suite's testee protocols (contract-tests/README.md,
// "Lockstep"): it reads one request line, writes its reply as one line of JSON, flushes, and
// only then reads the next, so the suite never waits on a buffered answer.
package lockstep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Serve answers each non-blank line of standard input with respond's reply until the input
// ends. An error from respond is the testee's own failure: it is printed, prefixed with name,
// and the program exits 1, which the suite reports.
func Serve(name string, respond func(line []byte) (any, error)) {
	if err := serve(os.Stdin, os.Stdout, respond); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func serve(input io.Reader, output io.Writer, respond func(line []byte) (any, error)) error {
	reader := bufio.NewReaderSize(input, 1<<20)
	writer := bufio.NewWriter(output)
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	for {
		line, readErr := reader.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			reply, err := respond(line)
			if err != nil {
				return err
			}
			if err := encoder.Encode(reply); err != nil {
				return err
			}
			if err := writer.Flush(); err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}
