package lockstep

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// A reply is written and flushed before the next line is read: the reader sees each request only
// after the previous reply is in the output.
func TestEachReplyIsWrittenBeforeTheNextLineIsRead(t *testing.T) {
	output := &strings.Builder{}
	input := &lineByLine{lines: []string{"{\"id\": \"a\"}\n", "  \n", "{\"id\": \"b\"}"}, output: output}
	err := serve(input, output, func(line []byte) (any, error) {
		return map[string]string{"echo": strings.TrimSpace(string(line)), "html": "<&>"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"echo\":\"{\\\"id\\\": \\\"a\\\"}\",\"html\":\"<&>\"}\n{\"echo\":\"{\\\"id\\\": \\\"b\\\"}\",\"html\":\"<&>\"}\n"
	if output.String() != want {
		t.Fatalf("output %q", output.String())
	}
	if input.outputSeen[1] != 1 || input.outputSeen[2] != 1 {
		t.Fatalf("lines read before the previous reply was written: %v", input.outputSeen)
	}
}

func TestTheTesteesOwnFailureEndsTheRun(t *testing.T) {
	failure := errors.New("broken")
	err := serve(strings.NewReader("x\ny\n"), io.Discard, func([]byte) (any, error) { return nil, failure })
	if !errors.Is(err, failure) {
		t.Fatalf("err %v", err)
	}
}

// lineByLine hands out one line per Read and records how many reply lines were written when
// each was asked for.
type lineByLine struct {
	lines      []string
	output     *strings.Builder
	outputSeen []int
}

func (l *lineByLine) Read(buffer []byte) (int, error) {
	if len(l.lines) == 0 {
		return 0, io.EOF
	}
	l.outputSeen = append(l.outputSeen, strings.Count(l.output.String(), "\n"))
	count := copy(buffer, l.lines[0])
	l.lines = l.lines[1:]
	return count, nil
}
