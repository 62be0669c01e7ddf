package crdschema

import (
	"encoding/json"
	"strings"
	"testing"
)

const schemaYAML = `
type: object
required: [spec]
properties:
  spec:
    type: object
    oneOf:
    - required: [a]
    - required: [b]
    properties:
      a: {type: integer, minimum: 1, maximum: 10}
      b: {type: string, pattern: '^[a-z]+$', maxLength: 5}
      list: {type: array, maxItems: 2, items: {type: string, enum: [x, 'y']}}
      cidr: {type: string, format: cidr}
      port: {x-kubernetes-int-or-string: true}
      labels: {type: object, additionalProperties: {type: string}}
`

func TestValidate(t *testing.T) {
	s, err := Parse([]byte(schemaYAML))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		obj  string
		want []string // substrings, one per violation
	}{
		{`{"spec": {"a": 3, "list": ["x"], "cidr": "10.0.0.0/8", "port": "http", "labels": {"k": "v"}}}`, nil},
		{`{}`, []string{`missing required field "spec"`}},
		{`{"spec": {"a": 0}}`, []string{"spec.a: value 0 below minimum 1"}},
		{`{"spec": {"a": 1, "b": "x"}}`, []string{"matches 2 of the oneOf alternatives"}},
		{`{"spec": {"b": "ABC"}}`, []string{`does not match`}},
		{`{"spec": {"a": 1, "list": ["x", "z", "y"]}}`, []string{"has 3 items, more than 2", `value z not in enum`}},
		{`{"spec": {"a": 1, "cidr": "10.0.0.0/33"}}`, []string{"is not a CIDR"}},
		{`{"spec": {"a": 1, "port": true}}`, []string{"must be an integer or a string"}},
		{`{"spec": {"a": 1, "extra": 1}}`, []string{"spec.extra: unknown field"}},
		{`{"spec": {"a": 1.5}}`, []string{"must be of type integer"}},
	}
	for _, tt := range tests {
		var obj any
		if err := jsonUnmarshal(tt.obj, &obj); err != nil {
			t.Fatal(err)
		}
		got := Validate(obj, s)
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %q, want %d violations", tt.obj, got, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: violation %q does not contain %q", tt.obj, got[i], w)
			}
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
