package gate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/limits"
)

// ObservedInput is observed traffic to judge a change by (verify --flows,
// diff --flows, netpolc.yaml's flows): every observed connection the base
// allows and the head does not is newly blocked, and verify fails on it
// unless a `closes` entry of the head or AllowClosing accepts it.
type ObservedInput struct {
	// Files are flow files named on the command line, read in order.
	Files []FlowFile
	// BasePaths and HeadPaths are the repository paths of flow files
	// (files or directories) that netpolc.yaml names at the base and at
	// the head. Every one of them is read from both snapshots: a change
	// that deletes, edits or stops naming a file cannot hide the traffic
	// in it (a file the two sides hold alike is read once).
	BasePaths, HeadPaths []string
	// AllowClosing accepts every newly blocked connection (the reviewed
	// path, --allow-closing); they are still listed.
	AllowClosing bool
	// BaseEnforcesNothing is set when the base is a staged build
	// (netpolc.yaml staged: true) and the head is not: the cluster
	// enforced none of the base's intents, so every observed connection
	// the head denies is newly blocked, also the ones the base's intents
	// denied (the would-be drops staging reported). Run sets it from the
	// two sides' settings.
	BaseEnforcesNothing bool
}

// FlowFile is a flow file outside the snapshots: its name for positions
// and how to open it.
type FlowFile struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// Observed is the verdict of observed traffic on a change.
type Observed struct {
	// Change is the comparison: newly blocked connections by pair, with
	// the closes entry that accepts each (flows.Blocked.ClosedBy).
	Change *flows.Change
	// Sources name what was read, in order.
	Sources []string
	// Closes are the head's closes entries, each with what it covered;
	// an entry covering nothing is stale.
	Closes       []ClosesUse
	AllowClosing bool
	// Unchanged is set when the base and the head hold the same inputs
	// (a state verified before): nothing can be newly blocked, and the
	// flows were not read.
	Unchanged bool
	// BaseEnforcedNothing: the base was staged, the head enforces (see
	// ObservedInput.BaseEnforcesNothing).
	BaseEnforcedNothing bool
	// same is set when both sides are one model (the change does not
	// touch the intents): no closes entry is stale for this change.
	same bool
}

// ClosesUse is a closes entry and the newly blocked connections it
// accepts.
type ClosesUse struct {
	ir.Closing
	Conns int
	Flows int64
}

// Uncovered counts the newly blocked connections and flows no closes
// entry accepts.
func (o *Observed) Uncovered() (conns int, n int64) {
	if o == nil || o.Change == nil {
		return 0, 0
	}
	for _, p := range o.Change.Pairs {
		for _, b := range p.Conns {
			if b.ClosedBy == "" {
				conns++
				n += b.Count
			}
		}
	}
	return conns, n
}

// Failed reports whether the change blocks observed traffic that nothing
// accepts.
func (o *Observed) Failed() bool {
	conns, _ := o.Uncovered()
	return conns > 0 && !o.AllowClosing
}

// Stale lists the closes entries that accept no newly blocked
// connection: the traffic they name is not observed, or the change does
// not block it (any longer).
func (o *Observed) Stale() []ir.Closing {
	var out []ir.Closing
	if o == nil || o.Unchanged || o.same {
		return nil
	}
	for _, c := range o.Closes {
		if c.Conns == 0 {
			out = append(out, c.Closing)
		}
	}
	return out
}

// observe reads the observed traffic and judges it at both sides.
func observe(in *ObservedInput, baseTree, headTree *gitrev.Tree, base, head *Side) (*Observed, error) {
	if head.Model == nil {
		return nil, fmt.Errorf("%s holds nothing to judge observed traffic by", head.Name)
	}
	baseModel := base.Model // nil: no policies at the base, everything allowed
	bres := resolver(head.Model)
	if baseModel != nil {
		bres = resolver(baseModel)
	}
	if in.BaseEnforcesNothing {
		baseModel = nil // flows still resolve as the base's intents name them
	}
	rd := flows.NewCompareReader(bres, resolver(head.Model))
	o := &Observed{AllowClosing: in.AllowClosing, BaseEnforcedNothing: in.BaseEnforcesNothing, same: baseModel == head.Model}
	for _, f := range in.Files {
		if err := readFlowFile(rd, f); err != nil {
			return nil, err
		}
		o.Sources = append(o.Sources, f.Name)
	}
	read, err := readSnapshotFlows(rd, baseTree, headTree, union(in.BasePaths, in.HeadPaths))
	if err != nil {
		return nil, err
	}
	o.Sources = append(o.Sources, read...)
	o.Change = flows.Compare(baseModel, head.Model, rd.Set())
	if head.Compiled != nil {
		o.Closes = cover(o.Change, head.Compiled.Policy.Closes)
	}
	return o, nil
}

func resolver(m *enforcer.Model) *flows.Resolver {
	return flows.NewResolver(m.Endpoints(), m.FQDNPeers())
}

func readFlowFile(rd *flows.Reader, f FlowFile) error {
	r, err := f.Open()
	if err != nil {
		return diag.Errorf("give a readable file of flows", "--flows %s: %v", f.Name, err)
	}
	defer r.Close()
	return rd.Read(f.Name, r)
}

// union lists the paths of both lists once, in order.
func union(a, b []string) []string {
	var out []string
	for _, p := range slices.Concat(a, b) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// flowBytes bounds the flow files read from the snapshots of one change:
// a commit could add gigabytes under a flows directory. Each file is read
// alone, so memory stays within one file (git-blob-bytes).
var flowBytes = limits.New("flow-repo-bytes", 256<<20, "bytes of the flow files netpolc.yaml's flows name, read from both sides of a change")

// readSnapshotFlows reads each repository path from both snapshots; a
// path neither holds is an error (a typo would gate on nothing). A file
// both hold alike (the same blob) is read once.
func readSnapshotFlows(rd *flows.Reader, base, head *gitrev.Tree, paths []string) ([]string, error) {
	max, err := flowBytes.Value()
	if err != nil {
		return nil, err
	}
	var read []string
	var total int64
	for _, p := range paths {
		n := len(read)
		atBase := map[string]string{}
		for _, t := range []*gitrev.Tree{base, head} {
			ids, err := flowFileIDs(t, p)
			if err != nil {
				return nil, err
			}
			for _, name := range sortedKeys(ids) {
				if t == head && base != nil && atBase[name] == ids[name] {
					read[slices.Index(read, name+" (at "+base.Name+")")] = name + " (at both sides)"
					continue
				}
				if t == base {
					atBase[name] = ids[name]
				}
				files, err := t.Read(name, false, nil)
				if err != nil {
					return nil, err
				}
				if total += int64(len(files[name])); total > max {
					return nil, &diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: name}, Err: ErrTooLarge,
						Msg: fmt.Sprintf("the flows netpolc.yaml names exceed %d bytes at %s", max, t.Name), Hint: flowBytes.Hint(total)}
				}
				if err := rd.Read(name+" at "+t.Name, bytes.NewReader(files[name])); err != nil {
					return nil, err
				}
				read = append(read, name+" (at "+t.Name+")")
			}
		}
		if len(read) == n {
			return nil, &diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("flows %s: %v", p, ErrNotFound),
				Hint: "netpolc.yaml's flows name flow files in the repository; stage them with git add", Err: ErrNotFound}
		}
	}
	return read, nil
}

// ErrTooLarge: the flow files exceed flow-repo-bytes.
var ErrTooLarge = errors.New("flow files too large")

// flowFileIDs lists the flow files p names in a snapshot (p itself, or
// the files below it outside hidden folders) with their blob ids.
func flowFileIDs(t *gitrev.Tree, p string) (map[string]string, error) {
	if t == nil {
		return nil, nil
	}
	if id, ok, err := t.FileID(p); err != nil || ok {
		return map[string]string{p: id}, err
	}
	ids, err := t.IDsIn(p, true)
	if err != nil {
		return nil, err
	}
	for name := range ids {
		if hidden(strings.TrimPrefix(name, strings.TrimSuffix(p, "/")+"/")) {
			delete(ids, name)
		}
	}
	return ids, nil
}

// hidden reports whether a path lies in or is a hidden file or folder.
func hidden(rel string) bool {
	return slices.ContainsFunc(strings.Split(rel, "/"), func(part string) bool { return strings.HasPrefix(part, ".") })
}

// cover marks each newly blocked connection a closes entry accepts with
// the first such entry (in the order of the intents) and counts what
// each entry covers.
func cover(c *flows.Change, closes []ir.Closing) []ClosesUse {
	uses := make([]ClosesUse, len(closes))
	for i, cl := range closes {
		uses[i] = ClosesUse{Closing: cl}
	}
	for pi := range c.Pairs {
		for bi := range c.Pairs[pi].Conns {
			b := &c.Pairs[pi].Conns[bi]
			for i := range uses {
				if flows.Closes(uses[i].Closing, b.Key) {
					uses[i].Conns++
					uses[i].Flows += b.Count
					if b.ClosedBy == "" {
						b.ClosedBy = uses[i].Name
					}
				}
			}
		}
	}
	return uses
}

// Summary is the observed traffic's part of a passing run's summary
// line: what was judged, and what the closes entries (or --allow-closing)
// accepted.
func (o *Observed) Summary() string {
	if o.Unchanged {
		return "observed traffic: the intents are unchanged, so no observed connection is newly blocked"
	}
	c := o.Change
	s := fmt.Sprintf("observed traffic: %d flow(s), %d newly blocked in %d connection(s)", c.Flows, c.Blocked, c.BlockedConns)
	var used []string
	for _, u := range o.Closes {
		if u.Conns > 0 {
			used = append(used, fmt.Sprintf("closes %q: %d connection(s)", u.Name, u.Conns))
		}
	}
	if len(used) > 0 {
		s += ", intended: " + strings.Join(used, ", ")
	}
	if o.BaseEnforcedNothing {
		s += " (against a staged base, which enforced nothing)"
	}
	if conns, _ := o.Uncovered(); conns > 0 && o.AllowClosing {
		s += fmt.Sprintf(", %d accepted by --allow-closing", conns)
	}
	if c.Unresolved > 0 {
		s += fmt.Sprintf(", %d not evaluated", c.Unresolved)
	}
	if st := o.Stale(); len(st) > 0 {
		s += fmt.Sprintf(", stale closes entries: %d", len(st))
	}
	return s
}
