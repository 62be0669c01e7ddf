package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/ir"
)

// templates expands every `use` entry: its policies join the set, with the
// origin of the instance (the line in the user's file) and the template's
// name, because the policies' own positions lie inside the template.
func (c *compiler) templates(v *node) {
	fields(v, func(name string, tv *node) {
		via := c.instanceOrigin(name, tv)
		pv := get(tv, "policies")
		if via.File != "" && expandTemplateOutput {
			// Every error is reported at the instance's line: the
			// policies are read from their JSON (expanded).
			pv = pv.expanded()
		}
		c.policies(pv, via)
		c.platform(get(tv, "platform"), via)
	})
}

// instanceOrigin finds the user's line of a template instance and the name
// of the template it instantiates.
func (c *compiler) instanceOrigin(name string, v *node) ir.Origin {
	o := ir.Origin{Via: "template", Path: intent.PathString(v.Path().String())}
	site, ok := c.set.Uses[name]
	if !ok {
		// Written by a comprehension or in a way the syntax walk does
		// not see: fall back to the evaluator's view.
		site = intent.UseSite{Pos: c.pos(v), Template: c.set.TemplateOf(v.val())}
	}
	if site.Template != "" {
		o.Via = site.Template
	}
	o.File, o.Line, o.Col = site.Pos.File, site.Pos.Line, site.Pos.Col
	return o
}

// policies compiles a struct of policies.
func (c *compiler) policies(v *node, via ir.Origin) {
	fields(v, func(_ string, pv *node) { c.policy(pv, via) })
}

// policy compiles one policy: its subject, isolation and rules.
func (c *compiler) policy(v *node, via ir.Origin) {
	if !c.countPolicy(v, via) {
		return
	}
	m, ok := c.members(v, policyFields, via)
	if !ok {
		return
	}
	ns, _ := strOf(m["namespace"])
	if !c.declaredNamespace(ns) {
		c.errorAt(m["namespace"], via,
			"declare it under `namespaces: "+ns+": {}` or fix the name", "namespace %q is not declared", ns)
		return
	}
	subject, ok := c.subject(ns, m, via)
	if !ok {
		return
	}
	for _, d := range []struct {
		dir        ir.Direction
		field, end string
	}{{ir.Ingress, "ingress", "from"}, {ir.Egress, "egress", "to"}} {
		rv := m[d.field]
		if !rv.Exists() {
			continue
		}
		c.out.Isolations = append(c.out.Isolations, ir.Isolation{Subject: subject, Direction: d.dir, Origin: c.origin(rv, via)})
		c.elems(rv, func(_ int, r *node) { c.rule(subject, d.dir, d.end, r, via) })
	}
}

// subject resolves which pods of ns a policy (its fields m) selects.
func (c *compiler) subject(ns string, m map[string]*node, via ir.Origin) (ir.Subject, bool) {
	wname, hasW := strOf(m["workload"])
	sv := m["podSelector"]
	switch {
	case hasW && sv.Exists():
		c.errorAt(sv, via, "keep one of them", "a policy selects pods with workload or podSelector, not both")
		return ir.Subject{}, false
	case hasW:
		w, ok := c.declaredWorkload(ns + "/" + wname)
		if !ok {
			c.errorAt(m["workload"], via, c.workloadHint(ns),
				"workload %q is not declared in namespace %q", wname, ns)
			return ir.Subject{}, false
		}
		return ir.Subject{Namespace: ns, Pods: metav1.LabelSelector{MatchLabels: w.Labels}, Name: w.Name}, true
	case sv.Exists():
		sel, ok := c.selector(sv, via)
		if !ok {
			return ir.Subject{}, false
		}
		return ir.Subject{Namespace: ns, Pods: *sel, Name: c.selectorName(ns, sel)}, true
	}
	return ir.Subject{Namespace: ns, Name: "all-pods"}, true
}

// selectorName names a podSelector subject: the workload it is exactly,
// else a stable hash of the selector.
func (c *compiler) selectorName(ns string, sel *metav1.LabelSelector) string {
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return "all-pods"
	}
	if len(sel.MatchExpressions) == 0 {
		for _, i := range c.workloadsIn(ns) {
			if w := c.out.Workloads[i]; reflect.DeepEqual(w.Labels, sel.MatchLabels) {
				return w.Name
			}
		}
	}
	data, _ := json.Marshal(sel)
	sum := sha256.Sum256(data)
	return "pods-" + hex.EncodeToString(sum[:])[:10]
}

// workloadHint lists the declared workloads of a namespace.
func (c *compiler) workloadHint(ns string) string {
	var names []string
	for _, i := range c.workloadsIn(ns) {
		names = append(names, c.out.Workloads[i].Name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "declare it under `namespaces: " + ns + ": workloads: NAME: {...}`"
	}
	return "declared workloads in " + ns + ": " + strings.Join(names, ", ")
}

// selector reads and validates a label selector.
func (c *compiler) selector(v *node, via ir.Origin) (*metav1.LabelSelector, bool) {
	v, _ = v.Default()
	if !c.closed(v, selectorFields, via) {
		return nil, false
	}
	sel := &metav1.LabelSelector{}
	if ml := get(v, "matchLabels"); ml.Exists() {
		sel.MatchLabels = c.labels(ml)
	}
	c.elems(get(v, "matchExpressions"), func(_ int, ev *node) {
		c.closed(ev, exprFields, via)
		key, _ := str(ev, "key")
		op, _ := str(ev, "operator")
		req := metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOperator(op)}
		c.elems(get(ev, "values"), func(_ int, vv *node) {
			s, _ := vv.String()
			req.Values = append(req.Values, s)
		})
		sel.MatchExpressions = append(sel.MatchExpressions, req)
	})
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("selector"))
	for _, e := range errs {
		c.errorAt(v, via, "In/NotIn need values; Exists/DoesNotExist take none; keys and values follow label rules", "%s", e.Error())
	}
	return sel, len(errs) == 0
}
