package crdcheck

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// crd is a small CRD using what the checks cover: a default that a CEL
// rule reads, a set-typed list, an enum, a bound.
const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.min <= self.max
              message: min must not exceed max
            properties:
              min: {type: integer, default: 0}
              max: {type: integer, maximum: 10}
              mode: {type: string, enum: [a, b]}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
`

func widget(t *testing.T, spec string) map[string]any {
	t.Helper()
	var m map[string]any
	doc := "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: ns}\nspec: " + spec
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidate(t *testing.T) {
	c, err := Parse([]byte(crd), "v1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ spec, want string }{
		{"{max: 3}", ""},
		// min defaults to 0 before the CEL rule runs, as on the server.
		{"{max: -1}", "spec: CEL self.min <= self.max: min must not exceed max"},
		{"{max: 11}", "spec.max: schema Invalid value: spec.max in body should be less than or equal to 10"},
		{"{max: 3, tags: [x, x]}", `spec.tags[1]: list type Duplicate value: Duplicate value: "x"`},
		{"{max: 3, color: red}", "spec.color: unknown field"},
		{"{max: 3, mode: c}", "spec.mode: schema Unsupported value"},
	}
	for _, tc := range cases {
		obj := widget(t, tc.spec)
		var got []string
		for _, e := range c.Validate(obj) {
			got = append(got, e.Error())
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: %q, want no error", tc.spec, got)
		case tc.want != "" && !strings.Contains(strings.Join(got, "\n"), tc.want):
			t.Errorf("%s: %q, want %q", tc.spec, got, tc.want)
		}
		if _, ok := obj["spec"].(map[string]any)["min"]; ok {
			t.Errorf("%s: Validate changed its argument", tc.spec)
		}
	}
	wrong := widget(t, "{max: 3}")
	wrong["kind"] = "Gadget"
	wrong["metadata"] = map[string]any{"name": "W!", "bogus": true}
	var got []string
	for _, e := range c.Validate(wrong) {
		got = append(got, e.Error())
	}
	if want := "kind: schema Invalid value: must be Widget"; len(got) != 2 || got[0] != want || !strings.HasPrefix(got[1], "metadata.bogus: unknown field") {
		t.Errorf("kind and metadata: %q", got)
	}
	wrong["kind"] = "Widget"
	if errs := c.Validate(wrong); len(errs) < 2 || errs[1].Field != "metadata.name" || errs[1].Check != "metadata" {
		t.Errorf("bad name: %v", errs)
	}
}

// TestParseFailsClosed: a CRD the validator cannot run fully is an error,
// not a validator that passes what the server rejects.
func TestParseFailsClosed(t *testing.T) {
	for name, edit := range map[string][2]string{
		"missing version":   {"name: v1\n", "name: v2\n"},
		"CEL compile":       {"rule: self.min <= self.max", "rule: self.min <= self.nope"},
		"not structural":    {"min: {type: integer, default: 0}", "min: {default: 0}"},
		"unknown CRD field": {"served: true", "served: true\n    servd: true"},
	} {
		if _, err := Parse([]byte(strings.Replace(crd, edit[0], edit[1], 1)), "v1"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
