package cilium

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// defaultLabels is the identity label filter of DefaultVersion without
// additions.
var defaultLabels = func() *ciliumapi.LabelFilter {
	f, err := ciliumapi.NewLabelFilter(nil)
	if err != nil {
		panic(err) // the default list is constant
	}
	return f
}()

// labels is the cluster's identity label filter.
func (b *builder) labels() *ciliumapi.LabelFilter {
	if b.opts.Labels != nil {
		return b.opts.Labels
	}
	return defaultLabels
}

// identityLabels checks that every key of an emitted Cilium selector is
// an identity label. Cilium's identity label filter (pkg/labelsfilter)
// drops labels such as pod-template-hash or most kubernetes.io/ keys from
// a pod's identity, and selectors match identities: a matchLabels or In on
// such a label selects no pod in Cilium, a NotIn or DoesNotExist every
// pod, unlike in NetworkPolicy. Neither is the intents' meaning, so the
// emitter refuses it (approximation included: a NotIn would be wider).
func (b *builder) identityLabels(field string, sel metav1.LabelSelector) error {
	keys := slices.Collect(maps.Keys(sel.MatchLabels))
	for _, e := range sel.MatchExpressions {
		keys = append(keys, e.Key)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		key := strings.TrimPrefix(k, ciliumapi.SourceK8s+":")
		if b.labels().Keeps(ciliumapi.SourceK8s, key) {
			continue
		}
		shown := strings.TrimPrefix(key, ciliumapi.NamespaceLabelsPrefix)
		what := "pod label"
		if shown != key {
			what = "namespace label"
		}
		return kit.Hinted(fmt.Errorf("%s: %s %q is not part of Cilium security identities (the identity label filter drops it), so Cilium would select other pods than the intents: %w",
			field, what, shown, errUnsupported),
			"select on a label the filter keeps (app, app.kubernetes.io/name, your own keys); if the cluster's Cilium keeps this one (its --labels), name them with --"+ciliumapi.SettingIdentityLabels)
	}
	return nil
}
