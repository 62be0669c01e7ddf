package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// lastApplied is the annotation kubectl apply keeps the applied object in.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// serverFields are the metadata fields the API server sets and a dump
// (kubectl get -o yaml) carries: read-only, never part of what an object
// means for connectivity. They are accepted (ObjectMeta has them) and left
// out when two definitions of an object are compared.
var serverFields = []string{
	"managedFields", "uid", "resourceVersion", "generation", "creationTimestamp",
	"selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
}

// withoutStatus returns n without its status field: status is written by
// controllers and the API server, never by the author, and older clusters
// write `status: {}` on NetworkPolicies, whose current type has no status.
// Pods keep theirs (their IPs are read from it). n itself is not changed:
// an alias may share it.
func withoutStatus(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "status" {
			c := *n
			c.Content = slices.Concat(n.Content[:i], n.Content[i+2:])
			return &c
		}
	}
	return n
}

// canonical is an object's meaning for comparing two definitions of it:
// its JSON with keys sorted, without the server-populated fields and the
// last-applied annotation (two dumps taken at different times differ in
// them), and for Pods with only the status fields netpolc reads.
func canonical(kind string, data []byte) ([]byte, error) {
	var v map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if md, ok := v["metadata"].(map[string]any); ok {
		for _, f := range serverFields {
			delete(md, f)
		}
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, lastApplied)
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
		delete(md, "namespace") // already in the object's key, defaulted
	}
	if st, ok := v["status"].(map[string]any); ok && kind == "Pod" {
		keep := map[string]any{}
		for _, f := range []string{"podIP", "podIPs", "phase"} {
			if x, ok := st[f]; ok {
				keep[f] = x
			}
		}
		v["status"] = keep
	}
	return json.Marshal(v)
}

// difference names the first few fields at which two canonical objects
// differ, with both values: "spec.ports[0].port: 80 here, 8080 there".
func difference(here, there []byte) string {
	var a, b any
	_ = json.Unmarshal(here, &a)
	_ = json.Unmarshal(there, &b)
	var out []string
	diffValues("", a, b, &out)
	if len(out) > 3 {
		out = append(out[:3], fmt.Sprintf("and %d more", len(out)-3))
	}
	return strings.Join(out, "; ")
}

func diffValues(path string, a, b any, out *[]string) {
	if len(*out) > 10 || reflect.DeepEqual(a, b) {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		union := maps.Clone(am)
		maps.Copy(union, bm)
		for _, k := range slices.Sorted(maps.Keys(union)) {
			diffValues(strings.TrimPrefix(path+"."+k, "."), am[k], bm[k], out)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			diffValues(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], out)
		}
		return
	}
	*out = append(*out, fmt.Sprintf("%s: %s here, %s there", path, show(a), show(b)))
}

// show renders a JSON value briefly; absent is "(absent)".
func show(v any) string {
	if v == nil {
		return "(absent)"
	}
	s, _ := json.Marshal(v)
	if len(s) > 60 {
		return string(s[:57]) + "..."
	}
	return string(s)
}
