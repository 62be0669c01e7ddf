package propose

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/importer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// MergeFile is the file Merge proposes into the existing intents
// directory.
const MergeFile = "proposed.cue"

// keyPrefix starts the key of every proposed entry, so that none can
// unify with an existing entry of the same name.
const keyPrefix = "proposed "

// Merged is a proposal of additions to existing intents.
type Merged struct {
	// Source is the file to add to the directory (MergeFile): only the
	// `use` and `policies` entries the existing intents lack.
	Source []byte
	// Templates and Policies count its entries.
	Templates, Policies int
	// Observed counts the distinct connections; Allowed those the
	// existing intents allow already; Added those the proposal adds.
	Observed, Allowed, Added int
	// NotProposed are the connections no allowance can add, with why:
	// to a DNS name, an end the intents do not declare, or one a rule
	// denies (an admin tier's Deny) rather than a missing allowance.
	NotProposed map[flows.Key]string
	// Seen is when the added connections were seen, all together, and
	// AddedFlows how many flows they stand for.
	Seen       flows.Span
	AddedFlows int64
	// Notes are the importer's notes.
	Notes []string
}

// Merge proposes the additions the intents of dir need to allow every
// observed connection of obs: for each connection they deny, the
// allowance of the direction that denies it (egress at the source,
// ingress at the destination), nothing they allow already. inv is the
// cluster's workloads (the model's inventory). The result is checked:
// the directory's intents with the file added compile and allow every
// proposed connection.
func Merge(dir string, inv inventory.Inventory, obs *flows.Set) (*Merged, error) {
	files, pkg, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	existing, err := intentsOf(dir, files, inv)
	if err != nil {
		return nil, err
	}
	m := &Merged{NotProposed: map[flows.Key]string{}}
	b := newBuilder(inv)
	for _, k := range obs.Keys() {
		m.Observed++
		if why := m.need(b, existing, k, obs); why != "" {
			m.NotProposed[k] = why
		}
	}
	if m.Added == 0 {
		return m, nil
	}
	imp, err := importer.Import(&manifests.Set{Inventory: inv, NetworkPolicies: b.allowances()}, pkg)
	if err != nil {
		return nil, err
	}
	m.Notes, m.Templates, m.Policies = imp.Notes, imp.Templates, imp.Policies
	if m.Source, err = additions(imp.Source, dir, m, obs.Flows); err != nil {
		return nil, err
	}
	files[MergeFile] = m.Source
	return m, m.check(dir, files, inv, obs)
}

// need adds what connection k lacks, or says why nothing can be added.
func (m *Merged) need(b *builder, existing *intents, k flows.Key, obs *flows.Set) string {
	if strings.HasPrefix(k.Dst, "fqdn:") {
		return "a DNS name: NetworkPolicy cannot name it"
	}
	v, err := existing.model.Verdict(k.Src, k.Dst, k.Protocol, k.Port)
	if err != nil {
		return "not evaluated: " + err.Error()
	}
	if v.Allowed {
		m.Allowed++
		return ""
	}
	// A connection the intents close on purpose is not proposed again
	// because it was seen before it closed.
	for _, c := range existing.closes {
		if flows.Closes(c, k) {
			return fmt.Sprintf("closed on purpose: closes %q (%s) names it", c.Name, c.Pos())
		}
	}
	src, srcIsPod := b.byID[k.Src]
	dst, dstIsPod := b.byID[k.Dst]
	for _, end := range []string{k.Src, k.Dst} {
		if _, isPod := b.byID[end]; isPod && !existing.declared[end] {
			return end + " is not declared in the intents: declare the workload first"
		}
	}
	for _, d := range []enforcer.DirectionVerdict{v.Egress, v.Ingress} {
		if !d.Allowed && len(d.Denying) > 0 {
			return "denied by a rule (" + d.Denying[0].Policy.Name + "), not for want of an allowance"
		}
	}
	sp := seenOf(obs, k)
	if !v.Egress.Allowed && srcIsPod {
		b.add(src, true, b.peer(k.Dst, dst, dstIsPod), k, obs.Conns[k], sp)
	}
	if !v.Ingress.Allowed && dstIsPod {
		b.add(dst, false, b.peer(k.Src, src, srcIsPod), k, obs.Conns[k], sp)
	}
	m.Added++
	m.AddedFlows += obs.Conns[k]
	m.Seen.Merge(sp)
	return ""
}

// check requires the directory with the proposal to allow every
// connection the proposal adds, and those allowed before.
func (m *Merged) check(dir string, files map[string][]byte, inv inventory.Inventory, obs *flows.Set) error {
	after, err := intentsOf(dir, files, inv)
	if err != nil {
		return fmt.Errorf("propose --merge: the intents with %s do not load (a netpolc bug): %w", MergeFile, err)
	}
	for _, k := range obs.Keys() {
		if _, skip := m.NotProposed[k]; skip {
			continue
		}
		if v, err := after.model.Verdict(k.Src, k.Dst, k.Protocol, k.Port); err != nil || !v.Allowed {
			return fmt.Errorf("propose --merge: the intents with %s do not allow the observed %s (a netpolc bug)", MergeFile, k)
		}
	}
	return nil
}

// intents are existing intents as Merge reads them: the model, the
// workloads they declare ("namespace/name") and their closes entries.
type intents struct {
	model    *enforcer.Model
	declared map[string]bool
	closes   []ir.Closing
}

// intentsOf evaluates the intents files over inv (the cluster's
// workloads, without the cluster's own policies).
func intentsOf(dir string, files map[string][]byte, inv inventory.Inventory) (*intents, error) {
	l, err := pipeline.Load(pipeline.Sources{IntentsDir: dir, IntentFiles: files})
	if err != nil {
		return nil, err
	}
	in := &intents{declared: map[string]bool{}, closes: l.Intents.Policy.Closes}
	for _, w := range l.Intents.Policy.Workloads {
		in.declared[w.Namespace+"/"+w.Name] = true
	}
	in.model, err = pipeline.Input{Intents: l.Intents, Manifests: &manifests.Set{Inventory: inv}}.Model()
	return in, err
}

// readDir reads the .cue files of an intents directory and its package
// name; it must not hold MergeFile yet.
func readDir(dir string) (map[string][]byte, string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.cue"))
	if err != nil || len(names) == 0 {
		return nil, "", fmt.Errorf("propose --merge %s: no intents (.cue files) to merge into", dir)
	}
	files := map[string][]byte{}
	pkg := ""
	for _, name := range names {
		if filepath.Base(name) == MergeFile {
			return nil, "", fmt.Errorf("propose --merge %s: %s exists already (review and rename it, or remove it)", dir, name)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, "", err
		}
		files[filepath.Base(name)] = data
		if f, err := parser.ParseFile(name, data, parser.PackageClauseOnly); err == nil && pkg == "" {
			pkg = f.PackageName()
		}
	}
	if pkg == "" {
		return nil, "", fmt.Errorf("propose --merge %s: its intents name no CUE package", dir)
	}
	return files, pkg, nil
}

// allowances are the builder's policies without the default denies:
// additions isolate nothing new (each is of a direction the existing
// intents isolate already).
func (b *builder) allowances() []manifests.NetworkPolicy {
	var out []manifests.NetworkPolicy
	for _, n := range slices.Sorted(maps.Keys(b.rules)) {
		out = append(out, allowances(n, b.rules[n])...)
	}
	return out
}

// additions turns the importer's file into the one to add: the
// namespaces (which the directory declares) left out, every entry's key
// prefixed so that it cannot unify with an existing one, and its own
// header.
func additions(src []byte, dir string, m *Merged, flowsRead int64) ([]byte, error) {
	f, err := parser.ParseFile(MergeFile, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("propose --merge: the importer's file does not parse (a netpolc bug): %w", err)
	}
	var decls []ast.Decl
	for _, d := range f.Decls {
		field, ok := d.(*ast.Field)
		if !ok {
			ast.SetComments(d, nil) // the importer's header
			decls = append(decls, d)
			continue
		}
		name, _, _ := ast.LabelName(field.Label)
		if name == "namespaces" {
			continue
		}
		if st, ok := field.Value.(*ast.StructLit); ok && (name == "use" || name == "policies") {
			prefixKeys(st)
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	ast.SetComments(f, nil)
	out, err := format.Node(f)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("// Proposed by `netpolc propose --merge %s` from %d observed flow(s): what these\n"+
		"// intents lack for %d of %d observed connection(s): %s.\n// Review before use.\n",
		dir, flowsRead, m.Added, m.Observed, SeenText(m.AddedFlows, m.Seen))
	return append([]byte(head), out...), nil
}

// prefixKeys prefixes the quoted keys of a struct's fields.
func prefixKeys(st *ast.StructLit) {
	for _, e := range st.Elts {
		field, ok := e.(*ast.Field)
		if !ok {
			continue
		}
		if name, _, err := ast.LabelName(field.Label); err == nil {
			field.Label = ast.NewString(keyPrefix + name)
		}
	}
}
