package calico

import (
	"maps"
	"slices"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// witness returns labels that satisfy the conjunction sel, for an
// endpoint whose Calico labels are exactly fixed (among the reserved ones:
// a reserved label not in fixed is absent) and whose other labels are free;
// false when no such endpoint can satisfy it.
func witness(sel metav1.LabelSelector, fixed map[string]string) (map[string]string, bool) {
	byKey := map[string][]metav1.LabelSelectorRequirement{}
	for k, v := range sel.MatchLabels {
		byKey[k] = append(byKey[k], metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{v}})
	}
	for _, r := range sel.MatchExpressions {
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	out := maps.Clone(fixed)
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		reqs := byKey[key]
		if v, ok := fixed[key]; ok || reserved(key) {
			if !satisfies(reqs, v, ok) {
				return nil, false
			}
			continue
		}
		v, present, ok := choose(reqs)
		if !ok {
			return nil, false
		}
		if present {
			out[key] = v
		}
	}
	return out, true
}

// choose picks a value for one free label that satisfies reqs: absent
// when nothing requires it, else a value of every In list and no NotIn
// list.
func choose(reqs []metav1.LabelSelectorRequirement) (string, bool, bool) {
	need, candidates := false, []string(nil)
	var excluded []string
	for _, r := range reqs {
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			need = true
			if candidates == nil {
				candidates = slices.Clone(r.Values)
			} else {
				candidates = slices.DeleteFunc(candidates, func(v string) bool { return !slices.Contains(r.Values, v) })
			}
		case metav1.LabelSelectorOpExists:
			need = true
		case metav1.LabelSelectorOpNotIn:
			excluded = append(excluded, r.Values...)
		}
	}
	if !need {
		return "", false, satisfies(reqs, "", false)
	}
	if candidates == nil {
		for i := 0; ; i++ {
			if v := "netpolc-witness-" + strconv.Itoa(i); !slices.Contains(excluded, v) {
				candidates = []string{v}
				break
			}
		}
	}
	for _, v := range candidates {
		if satisfies(reqs, v, true) {
			return v, true, true
		}
	}
	return "", false, false
}

// satisfies evaluates requirements on one label, present with value v or
// absent.
func satisfies(reqs []metav1.LabelSelectorRequirement, v string, present bool) bool {
	for _, r := range reqs {
		var ok bool
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			ok = present && slices.Contains(r.Values, v)
		case metav1.LabelSelectorOpNotIn:
			ok = !present || !slices.Contains(r.Values, v)
		case metav1.LabelSelectorOpExists:
			ok = present
		case metav1.LabelSelectorOpDoesNotExist:
			ok = !present
		}
		if !ok {
			return false
		}
	}
	return true
}
