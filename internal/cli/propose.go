package cli

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/propose"
)

// proposedFile is the one file propose writes into DIR.
const proposedFile = "proposed.cue"

const proposeHelp = `Propose intents from observed traffic: every namespace with workloads
(but kube-system) default-deny with the cluster DNS allowed, and one
allowance per observed connection, grouped into templates where the flows
fit one (tiers, gateway, monitoring, external egress). The proposal is
checked: its intents equal the allowances (the import proof), and every
observed connection is allowed; the summary says how many workload pairs
it allows that were never seen.

--flows as for replay; --manifests gives the workloads (a cluster dump).
DIR must hold no .cue files yet. Connections to DNS names are listed, not
proposed (NetworkPolicy cannot name them; write an fqdn peer for cilium).
Each part's comment says how many flows it stands for and when they were
first and last seen (Hubble's time, Calico's start_time and end_time; CSV
records carry no times, and the comment says so).

--merge DIR proposes only what the existing intents in DIR lack, as its
own file DIR/proposed.cue: for every observed connection they deny, the
allowance of the direction that denies it, and nothing they allow
already; it is checked that DIR with the file allows every observed
connection it proposes. Connections to workloads DIR does not declare,
or denied by a rule (an admin tier's Deny) rather than for want of an
allowance, are listed, not proposed.`

func newProposeCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		files    []string
		out, pkg string
		merge    string
	)
	cmd := &cobra.Command{
		Use:     "propose --flows FILE... --manifests PATH... (-o DIR | --merge DIR)",
		Short:   "Propose default-deny intents that allow exactly the observed traffic",
		Long:    proposeHelp,
		Example: "  netpolc propose --flows flows.json --manifests cluster.yaml -o intents\n  netpolc propose --flows flows.json --manifests cluster.yaml --merge intents",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if merge != "" {
				if out != "" {
					return diag.Errorf("give one of them: --merge writes DIR/"+propose.MergeFile, "propose: -o and --merge together")
				}
				return proposeMerge(e, &in, files, merge)
			}
			if len(files) == 0 || len(in.manifests) == 0 || out == "" {
				return diag.Errorf("give --flows FILE, --manifests PATH (the workloads) and -o DIR", "propose: missing input or output")
			}
			if existing, _ := filepath.Glob(filepath.Join(out, "*.cue")); len(existing) > 0 {
				return diag.Errorf("propose into an empty directory", "%s already holds intents (%s)", out, existing[0])
			}
			inv, rd, err := observedFlows(e, &in, files)
			if err != nil {
				return err
			}
			res, err := propose.Propose(inv, rd.Set(), pkg)
			if err != nil {
				return err
			}
			return writeProposal(e, out, res, rd.Set())
		},
	}
	in.register(cmd)
	cmd.Flags().StringArrayVar(&files, "flows", nil, "observed flows: Hubble JSON, Calico flow logs or CSV (files or directories, repeatable; - for standard input)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "intents directory to write (must hold no .cue files)")
	cmd.Flags().StringVar(&pkg, "package", "proposed", "CUE package name of the written file")
	cmd.Flags().StringVar(&merge, "merge", "", "propose only the additions the intents in this directory lack, as DIR/"+propose.MergeFile)
	return cmd
}

// observedFlows loads the manifests' inventory and reads the flow files,
// resolved against it: what propose and propose --merge start from.
func observedFlows(e *env, in *inputFlags, files []string) (inventory.Inventory, *flows.Reader, error) {
	loaded, err := in.load("", false, false, e.stderr)
	if err != nil {
		return inventory.Inventory{}, nil, err
	}
	inv := loaded.Manifests.Inventory
	rd := flows.NewReader(flows.NewResolver(inv.Endpoints, nil))
	names, err := flowArgs(files)
	if err != nil {
		return inventory.Inventory{}, nil, err
	}
	for _, f := range names {
		if err := readFlows(rd, f, os.Stdin); err != nil {
			return inventory.Inventory{}, nil, err
		}
	}
	return inv, rd, nil
}

// proposeMerge proposes the additions to the intents of dir.
func proposeMerge(e *env, in *inputFlags, files []string, dir string) error {
	if len(files) == 0 || len(in.manifests) == 0 {
		return diag.Errorf("give --flows FILE and --manifests PATH (the workloads)", "propose --merge: missing input")
	}
	inv, rd, err := observedFlows(e, in, files)
	if err != nil {
		return err
	}
	m, err := propose.Merge(dir, inv, rd.Set())
	if err != nil {
		return err
	}
	for _, n := range m.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	for _, k := range slices.SortedFunc(maps.Keys(m.NotProposed), func(a, b flows.Key) int { return strings.Compare(a.String(), b.String()) }) {
		fmt.Fprintf(e.stderr, "note: %s: not proposed (%s)\n", k, m.NotProposed[k])
	}
	if n := rd.Set().UnresolvedCount(); n > 0 {
		fmt.Fprintf(e.stderr, "note: %d flow(s) resolved to no workload and are not proposed (netpolc replay lists them)\n", n)
	}
	if m.Added == 0 {
		fmt.Fprintf(e.stdout, "nothing to add: the intents in %s allow all %d observed connection(s) that allowances can add\n", dir, m.Allowed)
		return nil
	}
	name := filepath.Join(dir, propose.MergeFile)
	if err := atomicfile.CreateFile(name, m.Source, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d template instance(s), %d policies adding %d observed connection(s); %d were allowed already; "+
		"%s with it allows every one\n", name, m.Templates, m.Policies, m.Added, m.Allowed, dir)
	return nil
}

// writeProposal writes the intents and prints the summary.
func writeProposal(e *env, out string, res *propose.Result, s *flows.Set) error {
	src := res.Import.Source
	if i := bytes.Index(src, []byte("package ")); i >= 0 {
		head := fmt.Sprintf("// Proposed by `netpolc propose` from %d observed connection(s): %s.\n"+
			"// Default deny, the cluster DNS, and what was observed. Review before use.\n", res.Observed, propose.SeenText(res.Flows, res.Seen))
		src = append([]byte(head), src[i:]...)
	}
	for _, n := range res.Import.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	for _, k := range res.NotProposed {
		fmt.Fprintf(e.stderr, "note: %s: not proposed (a DNS name: NetworkPolicy cannot name it)\n", k)
	}
	if n := s.UnresolvedCount(); n > 0 {
		fmt.Fprintf(e.stderr, "note: %d flow(s) resolved to no workload and are not proposed (netpolc replay lists them)\n", n)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	name := filepath.Join(out, proposedFile)
	if err := atomicfile.CreateFile(name, src, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d template instance(s), %d policies; allows all %d proposed connection(s) observed; "+
		"%d workload pair(s) allowed, %d observed\n", name, res.Import.Templates, res.Import.Policies, res.Proposed, res.AllowedPairs, res.ObservedPairs)
	return nil
}
