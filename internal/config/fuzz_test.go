package config

import (
	"errors"
	"testing"

	"github.com/netpolc/netpolc/internal/diag"
)

// FuzzParse: any bytes give a config or positioned diagnostics naming the
// file, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("intents: intents\noutput: deploy/netpol\ntargets: [networkpolicy, cilium]\n"))
	f.Add([]byte("allow-approximate: true\nadmin-api-version: v1alpha1\n"))
	f.Add([]byte("outpt: x\n- a\n"))
	f.Add([]byte("{intents: [1, 2], output: {a: b}}"))
	f.Add([]byte(ownersSeed))
	f.Add([]byte("intents: intents\nflows: [observed/, prod.csv]\n"))
	f.Add([]byte("flows: {a: b}\nflows: /abs\n"))
	f.Add([]byte("owners: {p: {intents: ../x, platform: 1, namespaces: {a: b}, namespace-labels: [x]}, q: [], p: {}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parse("netpolc.yaml", data)
		if err == nil {
			return
		}
		var list diag.List
		if !errors.As(err, &list) {
			t.Fatalf("error is not a diagnostic list: %T %v", err, err)
		}
		for _, d := range list {
			if d.Pos.File != "netpolc.yaml" {
				t.Fatalf("diagnostic does not name the file: %v", d)
			}
		}
	})
}

const ownersSeed = `owners:
  platform: {intents: intents/platform, platform: true, namespaces: [monitoring]}
  shop: {intents: intents/shop, namespaces: [shop]}
  data: {intents: intents/data, namespace-labels: {team: data}}
`
