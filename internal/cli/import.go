package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/importer"
)

const importHelp = `Turn existing NetworkPolicies and admin-API objects into an intents
directory: the namespaces and workloads of the input, templates where the
policies hold one (#DefaultDeny, #AllowDNS, #NamespaceIsolation, #Tiers,
#Gateway, #ExternalEgress, #Monitoring), plain policies for the rest, and
ClusterNetworkPolicies, AdminNetworkPolicies and BaselineAdminNetworkPolicies
as platform intents, each with a comment naming the object it came from.
import proves its result before writing anything: the imported intents'
matrix over the input's workloads must equal the input's, or it fails
naming the flows that differ. What the intents cannot say exactly (nodes
peers, wildcard domain names, ...) fails naming the object and field. Give
the workloads too (a cluster dump or rendered charts), or the proof
compares nothing. DIR must hold no .cue files yet.

Migration: import, build the result, and diff it against the original:
  netpolc import --manifests cluster.yaml -o intents
  netpolc build intents -o deploy/netpol --target networkpolicy
  netpolc diff --manifests cluster.yaml intents`

func newImportCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		out, pkg string
	)
	cmd := &cobra.Command{
		Use:     "import --manifests PATH... -o DIR",
		Short:   "Turn existing NetworkPolicies and admin-API objects into intents (proven equal)",
		Long:    importHelp,
		Example: "  kubectl get ns,deploy,sts,ds,networkpolicy,clusternetworkpolicy -A -o yaml > cluster.yaml\n  netpolc import --manifests cluster.yaml -o intents",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(in.manifests) == 0 || out == "" {
				return errors.New("import needs --manifests PATH (repeatable) and -o DIR")
			}
			if existing, _ := filepath.Glob(filepath.Join(out, "*.cue")); len(existing) > 0 {
				return fmt.Errorf("%s already holds intents (%s); import into an empty directory", out, existing[0])
			}
			loaded, err := in.load("", false, false, e.stderr)
			if err != nil {
				return err
			}
			res, err := importer.Import(loaded.Manifests, pkg)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintf(e.stderr, "note: %s\n", n)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			name := filepath.Join(out, importer.FileName)
			if err := atomicfile.CreateFile(name, res.Source, 0o644); err != nil {
				return err
			}
			platform := ""
			if res.Platform > 0 {
				platform = fmt.Sprintf(", %d platform intent(s)", res.Platform)
			}
			fmt.Fprintf(e.stdout, "wrote %s: %d template instance(s), %d policies%s; proven: same matrix as the input's policies\n",
				name, res.Templates, res.Policies, platform)
			return nil
		},
	}
	in.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "intents directory to write (must hold no .cue files)")
	cmd.Flags().StringVar(&pkg, "package", "imported", "CUE package name of the written file")
	return cmd
}
