// Package target is the registry of output targets. A target is an
// emitter (package emitters/<name>: IR → API objects → files) paired with
// an interpreter (package enforcer/<name>: the emitted objects → the
// evaluation model). Everything that lists targets — the --target flag and
// its help, each target's own flags, the netpolc.yaml keys, the build
// pipeline and the tests that run every target — reads this registry, so
// adding a target is its two packages plus one line in registry.go.
package target

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	targetsettings "github.com/netpolc/netpolc/internal/settings"
)

// Target is one output target.
type Target interface {
	kit.Emitter
	enforcer.Interpreter
}

// pair joins a target's two halves.
type pair struct {
	kit.Emitter
	enforcer.Interpreter
}

// Default is the target built when none is named.
const Default = "networkpolicy"

// AllowApproximate is the flag and netpolc.yaml key every target shares.
const AllowApproximate = "allow-approximate"

// Staged is build's flag and the netpolc.yaml key every target shares
// that asks for the targets' staged or audit form (settings.Staged);
// a target without one fails (kit.ErrNoStagedForm).
const Staged = targetsettings.Staged

// all returns every target, sorted by name.
func all() []Target { return registry }

// WithExtra adds t to the registry until restore is called. It exists for
// tests that run the whole command line with a target of their own (the
// CLI script test's deliberately broken target shows how a failed proof
// prints); nothing else changes the registry at run time.
func WithExtra(t Target) (restore func()) {
	old := registry
	registry = append(slices.Clone(old), t)
	slices.SortFunc(registry, func(a, b Target) int { return cmp.Compare(a.Name(), b.Name()) })
	return func() { registry = old }
}

// Names lists every target's name, sorted.
func Names() []string {
	out := make([]string, len(registry))
	for i, t := range registry {
		out[i] = t.Name()
	}
	return out
}

// lookup finds a target by name.
func lookup(name string) (Target, bool) {
	for _, t := range registry {
		if t.Name() == name {
			return t, true
		}
	}
	return nil, false
}

// Parse reads comma-separated target lists (each element may hold
// several) into targets sorted by name, without repeats; none given means
// Default.
func Parse(lists []string) ([]Target, error) {
	var out []Target
	for _, item := range lists {
		for _, name := range strings.Split(item, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			t, ok := lookup(name)
			if !ok {
				return nil, diag.Errorf("the targets are "+strings.Join(Names(), ", "), "unknown target %q", name)
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		t, _ := lookup(Default)
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Option is one target option with the target it belongs to.
type Option struct {
	kit.Option
	Target string
}

// Options lists every target's options, by target then name.
func Options() []Option {
	var out []Option
	for _, t := range registry {
		for _, o := range t.Options() {
			out = append(out, Option{o, t.Name()})
		}
	}
	return out
}

// BuildFlags are the settings that shape generated output — the shared
// allow-approximate and every target's options — as flag names and
// netpolc.yaml keys: build and verify must agree on them. KindOf says
// which hold strings.
func BuildFlags() []string {
	out := []string{AllowApproximate, Staged}
	for _, o := range Options() {
		out = append(out, o.Name)
	}
	return out
}

// KindOf is what the build flag name holds (allow-approximate and
// unknown names: a boolean).
func KindOf(name string) kit.OptionKind {
	for _, o := range Options() {
		if o.Name == name {
			return o.Kind
		}
	}
	return kit.OptionBool
}

// help is the --target flag's help: every target with its one-line doc.
func help() string {
	var b strings.Builder
	b.WriteString("output targets, comma-separated (default: targets in netpolc.yaml, else " + Default + "):")
	for _, t := range registry {
		fmt.Fprintf(&b, "\n  %-14s %s", t.Name(), t.Doc())
	}
	return b.String()
}

// MustParse is Parse for names known to be valid (tests, benchmarks); it
// panics on an unknown name.
func MustParse(names ...string) []Target {
	ts, err := Parse(names)
	if err != nil {
		panic(err)
	}
	return ts
}
