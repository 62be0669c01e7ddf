package ciliumapi

import (
	"fmt"
	"regexp"
	"strings"
)

// Label sources of Cilium identity labels: pods' labels and the labels
// Cilium derives for them are "k8s"; reserved identities' are "reserved";
// a selector key of source "any" (or none) matches every source.
const (
	SourceK8s      = "k8s"
	SourceReserved = "reserved"
	SourceAny      = "any"
)

// defaultLabelPrefixes is Cilium's default identity label filter, in the
// syntax of the agent's --labels option: "[source:][!]regexp", the regexp
// matched at the start of a label key; "!" excludes what it matches. From
// cilium/cilium v1.18.2 (commit 5bd307a8f6fb), pkg/labelsfilter/filter.go,
// defaultLabelPrefixCfg; the constants it quotes are in
// pkg/k8s/apis/cilium.io/const.go; the same list is documented for 1.18.5
// (docs.cilium.io, "Limiting Identity-Relevant Labels"). The controller-uid
// exclusions date from 1.16 (cilium/cilium#31964), the service account
// include from 1.18 (Version.defaultLabelPrefixes drops it before).
// The topology.kubernetes.io exclusion is cilium/cilium#43725 (January
// 2026, in 1.19 and 1.20: v1.20.2's filter.go has it, and
// internal/crosscheck/cilium compares this list with that code); the
// issue it fixes (#43723) was marked release-blocker/1.18, so patch
// releases of older minors may have it too, and netpolc does not tell
// patch releases apart: it applies to every release. On one that keeps
// these labels, netpolc refuses a selector on them (the emitter's
// identityLabels) rather than assume Cilium selects on them.
// Labels it drops are not part of a pod's security identity, so selectors
// cannot see them. Cilium matches each regexp at the start of the key
// (LabelPrefix.matches: the leftmost match must begin at 0).
var defaultLabelPrefixes = []string{
	`reserved:.*`,
	`io\.kubernetes\.pod\.namespace`,
	`io\.cilium\.k8s\.namespace\.labels`,
	`app\.kubernetes\.io`,
	`io\.cilium\.k8s\.policy\.cluster`,
	`io\.cilium\.k8s\.policy\.serviceaccount`,
	`!io\.kubernetes`,
	`!kubernetes\.io`,
	`!statefulset\.kubernetes\.io/pod-name`,
	`!apps\.kubernetes\.io/pod-index`,
	`!batch\.kubernetes\.io/job-completion-index`,
	`!batch\.kubernetes\.io/controller-uid`,
	`!.*beta\.kubernetes\.io`,
	`!k8s\.io`,
	`!pod-template-generation`,
	`!pod-template-hash`,
	`!controller-revision-hash`,
	`!controller-uid`,
	`!annotation.*`,
	`!etcd_node`,
	`!topology\.kubernetes\.io`,
}

// labelPrefix is one filter entry.
type labelPrefix struct {
	source string // "" for every source
	ignore bool
	expr   *regexp.Regexp
}

// LabelFilter is a cluster's identity label filter: the default list plus
// the prefixes the agent's --labels option adds. A label is kept when its
// longest matching include is longer than its shortest matching exclude,
// or, while no added prefix includes anything, when no exclude matches
// it (the algorithm of labelPrefixCfg.filterLabels).
type LabelFilter struct {
	prefixes  []labelPrefix
	whitelist bool
}

// NewLabelFilter is the default filter of DefaultVersion plus extra
// prefixes (the agent's --labels values). As in Cilium, the source is what
// precedes the first ':' and "!" follows it ("k8s:!foo").
func NewLabelFilter(extra []string) (*LabelFilter, error) {
	return DefaultVersion.LabelFilter(extra)
}

// LabelFilter is the release's default identity label filter plus extra
// prefixes (the agent's --labels values).
func (v Version) LabelFilter(extra []string) (*LabelFilter, error) {
	f := &LabelFilter{}
	for _, s := range v.defaultLabelPrefixes() {
		p, err := parseLabelPrefix(s)
		if err != nil {
			return nil, err
		}
		f.prefixes = append(f.prefixes, p)
	}
	for _, s := range extra {
		if s == "" {
			continue
		}
		p, err := parseLabelPrefix(s)
		if err != nil {
			return nil, err
		}
		f.whitelist = f.whitelist || !p.ignore
		f.prefixes = append(f.prefixes, p)
	}
	return f, nil
}

func parseLabelPrefix(s string) (labelPrefix, error) {
	var p labelPrefix
	prefix := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		p.source, prefix = s[:i], s[i+1:]
	}
	if prefix == "" {
		return p, fmt.Errorf("label prefix %q: empty", s)
	}
	prefix, p.ignore = strings.CutPrefix(prefix, "!")
	expr, err := regexp.Compile(prefix)
	if err != nil {
		return p, fmt.Errorf("label prefix %q: %w", s, err)
	}
	p.expr = expr
	return p, nil
}

// match reports whether p matches a label, and the length of the match.
func (p labelPrefix) match(source, key string) (bool, int) {
	if p.source != "" && p.source != source {
		return false, 0
	}
	loc := p.expr.FindStringIndex(key)
	if loc == nil || loc[0] != 0 {
		return false, 0
	}
	return true, loc[1]
}

// Keeps reports whether a label (its source and key) is part of an
// identity.
func (f *LabelFilter) Keeps(source, key string) bool {
	included, ignored := 0, 0
	for _, p := range f.prefixes {
		ok, n := p.match(source, key)
		switch {
		case !ok:
		case p.ignore:
			if ignored == 0 || n < ignored {
				ignored = n
			}
		case n > included:
			included = n
		}
	}
	return (!f.whitelist && ignored == 0) || included > ignored
}

// KeepsPodLabel reports whether a pod label key is part of the pod's
// identity (as k8s:KEY).
func (f *LabelFilter) KeepsPodLabel(key string) bool { return f.Keeps(SourceK8s, key) }

// KeepsNamespaceLabel reports whether a namespace label key is part of
// its pods' identities (as k8s:io.cilium.k8s.namespace.labels.KEY).
func (f *LabelFilter) KeepsNamespaceLabel(key string) bool {
	return f.Keeps(SourceK8s, NamespaceLabelsPrefix+key)
}
