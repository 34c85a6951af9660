// Command kstatus prints kstatus' verdict (status.Compute from sigs.k8s.io/cli-utils) for
// Kubernetes objects read as JSON on stdin: a JSON array, a `kind: List` (as `kubectl get
// -o json` prints), or a stream of objects (one per line or concatenated). It writes one
// line per object, in input order:
//
//	{"status":"InProgress","message":"..."}
//
// An object kstatus cannot judge (a malformed field, say) gets {"error":"..."} instead, and
// the command then exits 1 after the other objects are printed.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: kstatus < objects.json  (no arguments)")
		os.Exit(2)
	}
	objects, err := readObjects(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	failed := false
	for _, object := range objects {
		v := judge(object)
		failed = failed || v.Error != ""
		if err := encoder.Encode(v); err != nil {
			fmt.Fprintln(os.Stderr, "kstatus:", err)
			os.Exit(2)
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func judge(object map[string]interface{}) verdict {
	result, err := status.Compute(&unstructured.Unstructured{Object: object})
	if err != nil {
		return verdict{Error: err.Error()}
	}
	return verdict{Status: result.Status.String(), Message: result.Message}
}

// readObjects decodes every JSON value on the input. Numbers go through apimachinery's JSON
// decoding, as in objects client-go returns: integers become int64, which kstatus requires
// for metadata.generation and status.observedGeneration (a float64 there is an error).
func readObjects(input io.Reader) ([]map[string]interface{}, error) {
	decoder := json.NewDecoder(input)
	var objects []map[string]interface{}
	for {
		var raw json.RawMessage
		if err := decoder.Decode(&raw); errors.Is(err, io.EOF) {
			return objects, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading JSON: %w", err)
		}
		var value interface{}
		if err := utiljson.Unmarshal(raw, &value); err != nil {
			return nil, fmt.Errorf("decoding JSON: %w", err)
		}
		found, err := flatten(value)
		if err != nil {
			return nil, err
		}
		objects = append(objects, found...)
	}
}

// flatten turns one JSON value into the objects it holds: itself, an array's elements, or a
// List's items.
func flatten(value interface{}) ([]map[string]interface{}, error) {
	switch typed := value.(type) {
	case []interface{}:
		var objects []map[string]interface{}
		for _, item := range typed {
			found, err := flatten(item)
			if err != nil {
				return nil, err
			}
			objects = append(objects, found...)
		}
		return objects, nil
	case map[string]interface{}:
		if items, ok := typed["items"].([]interface{}); ok && typed["kind"] == "List" {
			return flatten(items)
		}
		return []map[string]interface{}{typed}, nil
	default:
		return nil, fmt.Errorf("expected JSON objects, got %T", value)
	}
}
