package config_test

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
)

const ownersYAML = `output: deploy/netpol
owners:
  shop:
    intents: intents/shop
    namespaces: [shop-staging, shop]
  platform:
    intents: intents/platform
    platform: true
    namespaces: [monitoring]
  data:
    intents: intents/data
    namespace-labels: {team: data}
`

// TestOwners: the map is read with absolute directories, the platform
// owner first, namespaces sorted.
func TestOwners(t *testing.T) {
	name := filepath.Join(t.TempDir(), config.FileName)
	write(t, name, ownersYAML)
	c, err := config.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Dir(name)
	var got []string
	for _, o := range c.Owners {
		got = append(got, o.Describe())
		if !strings.HasPrefix(o.Dir, base) || o.Pos.Line == 0 {
			t.Errorf("%s: dir %s, pos %v", o.Name, o.Dir, o.Pos)
		}
	}
	want := "platform: " + filepath.Join(base, "intents/platform") + " (platform), namespaces monitoring|" +
		"shop: " + filepath.Join(base, "intents/shop") + ", namespaces shop,shop-staging|" +
		"data: " + filepath.Join(base, "intents/data") + ", labels team=data"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
}

// TestOwnersErrors: the map is hostile input; each problem is reported at
// its line.
func TestOwnersErrors(t *testing.T) {
	many := "owners:\n"
	for i := range 101 {
		many += "  t" + strings.Repeat("a", i) + ": {intents: d}\n"
	}
	for _, tc := range []struct{ name, content, want string }{
		{"escape", "owners:\n  p: {intents: ../elsewhere, platform: true}\n", `2:16: owners\.p\.intents: \.\./elsewhere leaves the repository's directory`},
		{"escape inside", "owners:\n  p: {intents: a/../../b, platform: true}\n", `leaves the repository's directory`},
		{"the root itself", "owners:\n  p: {intents: ., platform: true}\n", `\. leaves the repository's directory`},
		{"absolute", "owners:\n  p: {intents: /etc, platform: true}\n", `owners\.p\.intents must be a relative path`},
		{"with intents", "intents: i\nowners:\n  p: {intents: a, platform: true}\n", `1:10: intents: intents and owners are both set`},
		{"no platform", "owners:\n  a: {intents: a}\n", `2:3: owners: 0 platform owners`},
		{"unknown key", "owners:\n  p: {intents: a, platform: true, namespace: [x]}\n", `owners\.p\.namespace: unknown key "namespace"`},
		{"not a mapping", "owners: [a]\n", `owners must be a mapping`},
		{"platform not bool", "owners:\n  p: {intents: a, platform: yes}\n", `platform must be a boolean`},
		{"labels not a map", "owners:\n  p: {intents: a, platform: true, namespace-labels: team}\n", `namespace-labels must be a non-empty mapping`},
		{"too many", many, `100|101 owners, over the limit of 100`},
		{"bad folder name", "owners:\n  Shop_1: {intents: a, platform: true}\n", `invalid owner name "Shop_1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), config.FileName)
			write(t, name, tc.content)
			_, err := config.Load(name)
			if !errors.Is(err, diag.ErrInput) {
				t.Fatalf("want an input error, got %v", err)
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error does not match %q:\n%s", tc.want, err)
			}
		})
	}
}
