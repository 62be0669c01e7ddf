// Package build is the compile pipeline behind `netpolc build`: load the
// intents, compile them to the IR, run every requested emitter and lay the
// files out as a kustomize directory. Generate is pure (no disk writes), so
// verify can compare its output with what a repository holds.
package build

import (
	"fmt"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/diag"
	"github.com/netpolc/netpolc/emitters"
	"github.com/netpolc/netpolc/emitters/kustomize"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/evaluate"
	"github.com/netpolc/netpolc/intent"
)

// Target names an output target.
type Target string

// The output targets. Only NetworkPolicy is built in this version; the
// others are reserved names so scripts fail loudly rather than silently
// getting less than they asked for.
const (
	NetworkPolicy Target = "networkpolicy"
	Cilium        Target = "cilium"
	Calico        Target = "calico"
	AdminPolicy   Target = "adminpolicy"
	NFTables      Target = "nftables"
)

// available are the targets this version can emit.
var available = map[Target]bool{NetworkPolicy: true}

// AllTargets lists every target name in the CLI contract.
var AllTargets = []Target{NetworkPolicy, Cilium, Calico, AdminPolicy, NFTables}

// ParseTargets parses a comma-separated target list, sorted and
// de-duplicated; empty means networkpolicy.
func ParseTargets(list []string) ([]Target, error) {
	seen := map[Target]bool{}
	for _, item := range list {
		for _, name := range strings.Split(item, ",") {
			t := Target(strings.TrimSpace(name))
			if t == "" {
				continue
			}
			known := false
			for _, k := range AllTargets {
				known = known || k == t
			}
			switch {
			case !known:
				return nil, fmt.Errorf("unknown target %q (targets: networkpolicy, cilium, calico, adminpolicy, nftables): %w", t, diag.ErrInput)
			case !available[t]:
				return nil, fmt.Errorf("target %q is not available in this version of netpolc (available: networkpolicy): %w", t, diag.ErrInput)
			}
			seen[t] = true
		}
	}
	if len(seen) == 0 {
		seen[NetworkPolicy] = true
	}
	out := make([]Target, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// Output is what one build produces.
type Output struct {
	Compiled *compiler.Result
	// Connectivity is the intents' own matrix over their workloads; every
	// target's output is checked against it.
	Connectivity *enforcer.Connectivity
	// Files are every generated file, kustomization files included,
	// sorted by path.
	Files []emitters.File
}

// Generate loads and compiles the intents in dir and renders every target.
func Generate(dir string, targets []Target) (*Output, error) {
	set, err := intent.Load(dir)
	if err != nil {
		return nil, err
	}
	return GenerateSet(set, targets)
}

// GenerateSet renders an already loaded intents set.
func GenerateSet(set *intent.Set, targets []Target) (*Output, error) {
	res, err := compiler.Compile(set)
	if err != nil {
		return nil, err
	}
	model, err := evaluate.Model(evaluate.Input{Intents: res})
	if err != nil {
		return nil, err
	}
	want := model.Matrix()
	byTarget := map[string][]emitters.File{}
	for _, t := range targets {
		files, err := emit(res, want, t)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t, err)
		}
		byTarget[string(t)] = files
	}
	files, err := kustomize.Files(byTarget)
	if err != nil {
		return nil, err
	}
	return &Output{Compiled: res, Connectivity: want, Files: files}, nil
}

// emit runs one target's emitter.
func emit(res *compiler.Result, want *enforcer.Connectivity, t Target) ([]emitters.File, error) {
	switch t {
	case NetworkPolicy:
		pols, err := networkpolicy.Build(res.Policy)
		if err != nil {
			return nil, err
		}
		// Prove the emitted objects mean what the intents mean before
		// anything is written.
		if err := evaluate.CheckNetworkPolicies(res, want, pols); err != nil {
			return nil, err
		}
		return networkpolicy.Files(pols)
	}
	return nil, fmt.Errorf("target %q has no emitter", t)
}
