// Package crdschema checks objects against the OpenAPI v3 schema of a
// CustomResourceDefinition, the subset Kubernetes structural schemas use:
// type, properties, required, additionalProperties, items, enum, minimum,
// maximum, min/maxItems, min/maxLength, min/maxProperties, pattern,
// format (cidr, int32), anyOf, oneOf, x-kubernetes-int-or-string and
// x-kubernetes-preserve-unknown-fields. CEL rules
// (x-kubernetes-validations) are not evaluated; tests check those by hand.
//
// Unlike the API server, which prunes unknown fields silently, the checker
// reports them: an emitter writing a field the schema does not know is a
// bug, since the field would be dropped.
package crdschema

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Schema is an OpenAPI v3 schema as decoded from YAML or JSON.
type Schema map[string]any

// FromCRD reads the openAPIV3Schema of one version of a CRD file.
func FromCRD(path, version string) (Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema Schema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			return v.Schema.OpenAPIV3Schema, nil
		}
	}
	return nil, fmt.Errorf("%s: no version %q", path, version)
}

// Parse reads a schema written as YAML (or JSON).
func Parse(data []byte) (Schema, error) {
	var s Schema
	err := yaml.Unmarshal(data, &s)
	return s, err
}

// Validate checks obj (any value that marshals to JSON) against s and
// returns every violation, sorted, each prefixed by its JSON path.
func Validate(obj any, s Schema) []string {
	data, err := json.Marshal(obj)
	if err != nil {
		return []string{err.Error()}
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{err.Error()}
	}
	var c checker
	c.check("", v, s)
	sort.Strings(c.errs)
	return c.errs
}

type checker struct{ errs []string }

func (c *checker) fail(path, format string, args ...any) {
	if path == "" {
		path = "<root>"
	}
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

// check validates v at path against s.
func (c *checker) check(path string, v any, s Schema) {
	if len(s) == 0 || s["x-kubernetes-preserve-unknown-fields"] == true {
		return
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		if subs, ok := s[key].([]any); ok {
			c.alternatives(path, v, key, subs)
		}
	}
	if s["x-kubernetes-int-or-string"] == true {
		switch v.(type) {
		case float64, string:
		default:
			c.fail(path, "must be an integer or a string, not %T", v)
		}
		c.scalar(path, v, s)
		return
	}
	t, _ := s["type"].(string)
	if _, isObj := v.(map[string]any); t == "" && isObj {
		t = "object" // an untyped alternative such as {required: [x]}
	}
	switch t {
	case "object":
		c.object(path, v, s)
	case "array":
		c.array(path, v, s)
	case "string", "integer", "number", "boolean":
		if !hasType(v, t) {
			c.fail(path, "must be of type %s, not %T", t, v)
			return
		}
		c.scalar(path, v, s)
	}
}

func hasType(v any, t string) bool {
	switch x := v.(type) {
	case string:
		return t == "string"
	case bool:
		return t == "boolean"
	case float64:
		return t == "number" || (t == "integer" && x == float64(int64(x)))
	}
	return false
}

// alternatives checks anyOf (at least one) or oneOf (exactly one).
func (c *checker) alternatives(path string, v any, key string, subs []any) {
	n := 0
	for _, sub := range subs {
		m, _ := sub.(map[string]any)
		var inner checker
		inner.check(path, v, m)
		if len(inner.errs) == 0 {
			n++
		}
	}
	if n == 0 || (key == "oneOf" && n > 1) {
		c.fail(path, "matches %d of the %s alternatives", n, key)
	}
}

// object checks properties, required fields and property counts.
func (c *checker) object(path string, v any, s Schema) {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "must be an object, not %T", v)
		return
	}
	props, _ := s["properties"].(map[string]any)
	for _, r := range list(s["required"]) {
		if _, ok := obj[r]; !ok {
			c.fail(path, "missing required field %q", r)
		}
	}
	if n, ok := num(s["minProperties"]); ok && float64(len(obj)) < n {
		c.fail(path, "has %d properties, fewer than %v", len(obj), n)
	}
	if n, ok := num(s["maxProperties"]); ok && float64(len(obj)) > n {
		c.fail(path, "has %d properties, more than %v", len(obj), n)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := join(path, k)
		if p, ok := props[k].(map[string]any); ok {
			c.check(sub, obj[k], p)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case map[string]any:
			c.check(sub, obj[k], ap)
		default:
			if props != nil || ap == false {
				c.fail(sub, "unknown field")
			}
		}
	}
}

func (c *checker) array(path string, v any, s Schema) {
	arr, ok := v.([]any)
	if !ok {
		c.fail(path, "must be an array, not %T", v)
		return
	}
	if n, ok := num(s["minItems"]); ok && float64(len(arr)) < n {
		c.fail(path, "has %d items, fewer than %v", len(arr), n)
	}
	if n, ok := num(s["maxItems"]); ok && float64(len(arr)) > n {
		c.fail(path, "has %d items, more than %v", len(arr), n)
	}
	items, _ := s["items"].(map[string]any)
	for i, x := range arr {
		c.check(fmt.Sprintf("%s[%d]", path, i), x, items)
	}
}

// scalar checks enum, bounds, lengths, pattern and format.
func (c *checker) scalar(path string, v any, s Schema) {
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		c.fail(path, "value %v not in enum %v", v, enum)
	}
	if f, ok := v.(float64); ok {
		if n, ok := num(s["minimum"]); ok && f < n {
			c.fail(path, "value %v below minimum %v", f, n)
		}
		if n, ok := num(s["maximum"]); ok && f > n {
			c.fail(path, "value %v above maximum %v", f, n)
		}
		if s["format"] == "int32" && f != float64(int32(f)) {
			c.fail(path, "value %v is not an int32", f)
		}
	}
	str, ok := v.(string)
	if !ok {
		return
	}
	if n, ok := num(s["minLength"]); ok && float64(len(str)) < n {
		c.fail(path, "length %d below %v", len(str), n)
	}
	if n, ok := num(s["maxLength"]); ok && float64(len(str)) > n {
		c.fail(path, "length %d above %v", len(str), n)
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			c.fail(path, "schema pattern %q: %v", p, err)
		} else if !re.MatchString(str) {
			c.fail(path, "value %q does not match %s", str, p)
		}
	}
	if s["format"] == "cidr" {
		if _, err := netip.ParsePrefix(str); err != nil {
			c.fail(path, "value %q is not a CIDR", str)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	if strings.ContainsAny(key, "./") {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	return path + "." + key
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func list(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
