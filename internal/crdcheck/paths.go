package crdcheck

import (
	"encoding/json"
	"fmt"
	"strings"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// normalize deep-copies obj into the values the API server validates:
// what k8s.io/apimachinery/pkg/util/json decodes (integers as int64).
func normalize(obj map[string]any) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var u map[string]any
	if err := utiljson.Unmarshal(data, &u); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, fmt.Errorf("not an object")
	}
	return u, nil
}

// toObject marshals v and decodes it as an object.
func toObject(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var u map[string]any
	if err := utiljson.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("%T is not a JSON object: %w", v, err)
	}
	return u, nil
}

// ruleOf finds the CEL rule behind an error the CEL validator reported
// at path with message detail: the rule at that schema node (or, for a
// rule with a fieldPath, at a node above it) whose message, or whose
// default message "failed rule: RULE", is detail. It returns the rule's
// expression, or "x-kubernetes-validations" when no rule matches (a
// messageExpression, say).
func (c *CRD) ruleOf(path, detail string) string {
	nodes := c.nodesAlong(path)
	for i := len(nodes) - 1; i >= 0; i-- {
		for _, r := range nodes[i].XValidations {
			if r.Message == detail || "failed rule: "+r.Rule == detail || strings.HasSuffix(detail, ": "+r.Message) && r.Message != "" {
				return r.Rule
			}
		}
	}
	return "x-kubernetes-validations"
}

// nodesAlong lists the schema nodes from the root down path, a field path
// as k8s.io/apimachinery/pkg/util/validation/field writes it
// ("spec.egress[0].to[1]", "metadata.labels[key]"), as far as the schema
// goes.
func (c *CRD) nodesAlong(path string) []*structuralschema.Structural {
	n := c.structural
	nodes := []*structuralschema.Structural{n}
	for _, step := range splitPath(path) {
		var next *structuralschema.Structural
		switch {
		case step.index && n.Items != nil:
			next = n.Items
		case step.index && n.AdditionalProperties != nil:
			next = n.AdditionalProperties.Structural
		case !step.index:
			if p, ok := n.Properties[step.name]; ok {
				next = &p
			}
		}
		if next == nil {
			break
		}
		n = next
		nodes = append(nodes, n)
	}
	return nodes
}

type pathStep struct {
	name  string
	index bool // [n] or [key]
}

// splitPath splits "a.b[0].c[k]" into a, b, [0], c, [k].
func splitPath(path string) []pathStep {
	var steps []pathStep
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return steps
			}
			steps = append(steps, pathStep{name: path[1:end], index: true})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, pathStep{name: path[:end]})
			path = path[end:]
		}
	}
	return steps
}
