package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/flows"
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
proposed (NetworkPolicy cannot name them; write an fqdn peer for cilium).`

func newProposeCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		files    []string
		out, pkg string
	)
	cmd := &cobra.Command{
		Use:     "propose --flows FILE... --manifests PATH... -o DIR",
		Short:   "Propose default-deny intents that allow exactly the observed traffic",
		Long:    proposeHelp,
		Example: "  netpolc propose --flows flows.json --manifests cluster.yaml -o intents",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(files) == 0 || len(in.manifests) == 0 || out == "" {
				return diag.Errorf("give --flows FILE, --manifests PATH (the workloads) and -o DIR", "propose: missing input or output")
			}
			if existing, _ := filepath.Glob(filepath.Join(out, "*.cue")); len(existing) > 0 {
				return diag.Errorf("propose into an empty directory", "%s already holds intents (%s)", out, existing[0])
			}
			loaded, err := in.load("", false, false, e.stderr)
			if err != nil {
				return err
			}
			inv := loaded.Manifests.Inventory
			rd := flows.NewReader(flows.NewResolver(inv.Endpoints, nil))
			for _, f := range files {
				if err := readFlows(rd, f, os.Stdin); err != nil {
					return err
				}
			}
			res, err := propose.Propose(inv, rd.Set(), pkg)
			if err != nil {
				return err
			}
			return writeProposal(e, out, res, rd.Set())
		},
	}
	in.register(cmd)
	cmd.Flags().StringArrayVar(&files, "flows", nil, "observed flows: Hubble JSON, Calico flow logs or CSV (repeatable; - for standard input)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "intents directory to write (must hold no .cue files)")
	cmd.Flags().StringVar(&pkg, "package", "proposed", "CUE package name of the written file")
	return cmd
}

// writeProposal writes the intents and prints the summary.
func writeProposal(e *env, out string, res *propose.Result, s *flows.Set) error {
	src := res.Import.Source
	if i := bytes.Index(src, []byte("package ")); i >= 0 {
		head := fmt.Sprintf("// Proposed by `netpolc propose` from %d observed flow(s) of %d connection(s):\n"+
			"// default deny, the cluster DNS, and what was observed. Review before use.\n", s.Flows, res.Observed)
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
