package wire_test

// The large-payload vectors (contract-tests/large-payload/, README "Large-payload vectors"):
// the generated pointer reader gives every body the verdict its case states, and the pointer
// the writer makes reads back.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudchacho/taskhawk/bindings/go/wire"
)

type pointerCase struct {
	ID      string `json:"id"`
	Body    string `json:"body"`
	Pointer bool   `json:"pointer"`
	Outcome string `json:"outcome"`
	Stored  []struct {
		Bucket string `json:"bucket"`
		Key    string `json:"key"`
	} `json:"stored"`
}

// names: whether a case that runs points at an object the bucket holds.
func (c pointerCase) names(bucket, key string) bool {
	for _, object := range c.Stored {
		if object.Bucket == bucket && object.Key == key {
			return true
		}
	}
	return c.Outcome != "run"
}

func TestPointerVectorsVerdicts(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(corpus, "large-payload", "pointers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var document struct {
		Cases []pointerCase `json:"cases"`
	}
	if err := json.Unmarshal(text, &document); err != nil {
		t.Fatal(err)
	}
	if len(document.Cases) == 0 {
		t.Fatal("no large-payload cases")
	}
	for _, vector := range document.Cases {
		bucket, key, ok := wire.PointerLocation(vector.Body)
		if ok != vector.Pointer {
			t.Errorf("%s: PointerLocation says %v, the case says %v", vector.ID, ok, vector.Pointer)
			continue
		}
		if ok && !vector.names(bucket, key) {
			t.Errorf("%s: read %q/%q, which the bucket does not hold", vector.ID, bucket, key)
		}
	}
}

func TestPointerBodyReadsBack(t *testing.T) {
	body := wire.PointerBody("my-payloads", "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6")
	want := `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"my-payloads","s3Key":"0d3d8132-07cb-41ee-bcc3-840b8d5e77d6"}]`
	if body != want {
		t.Fatalf("PointerBody = %s, want %s", body, want)
	}
	for _, pair := range [][2]string{{"b", "a<b>&\"c\u2028"}, {"bucket.with.dots", "k/é"}} {
		bucket, key, ok := wire.PointerLocation(wire.PointerBody(pair[0], pair[1]))
		if !ok || bucket != pair[0] || key != pair[1] {
			t.Errorf("PointerBody(%q, %q) reads back as %q, %q, %v", pair[0], pair[1], bucket, key, ok)
		}
	}
}

func TestPointerLocationRefusesNearMisses(t *testing.T) {
	for _, body := range []string{
		`{"id":"x"}`, `[]`, `null`, `["software.amazon.payloadoffloading.PayloadS3Pointer",null]`,
		`["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":null,"s3Key":"k"}]`,
		`["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":1}]`,
		`["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"k"}] x`,
		`[1,{"s3BucketName":"b","s3Key":"k"}]`,
	} {
		if _, _, ok := wire.PointerLocation(body); ok {
			t.Errorf("%s read as a pointer", body)
		}
	}
}
