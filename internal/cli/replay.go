package cli

import (
	"cmp"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/render"
)

const replayHelp = `Replay observed traffic against the intents: every observed connection
the intents would deny, grouped by endpoint pair, each with the direction
and the rule that denies it (as explain prints it), and a one-line total.

--flows reads files, or the files of a directory (repeatable; "-" is
standard input), one record per line: Cilium Hubble JSON (hubble observe -o json), Calico flow logs (one JSON
object per line), or CSV lines src,dst,port/proto[,count] with ends
ns/workload, ip:ADDR or (destination) fqdn:NAME. Pods resolve to
workloads by the workload Hubble names, their IP, their labels, then
their name; what resolves to nothing is counted and listed, never
dropped. Replies are not connections of their own.

DIR is the intents directory (default: the one netpolc.yaml names, else
the current directory); --manifests adds the cluster's workloads (pod IPs
resolve flows to them). --rev REV replays against that revision's intents
(and manifests) instead of the work tree's. Exit 0 whatever the verdicts; exit 2 on input
that does not read.`

const replayExample = `  hubble observe -o json --since 24h > flows.json
  netpolc replay --flows flows.json intents/ --manifests cluster.yaml
  netpolc replay --flows observed.csv --format md > replay.md
  netpolc replay --flows flows.json --rev origin/main intents/`

func newReplayCmd(e *env) *cobra.Command {
	var in inputFlags
	var files []string
	var format, rev string
	cmd := &cobra.Command{
		Use:     "replay --flows FILE... [DIR]",
		Short:   "Replay observed flows against the intents: what would be blocked, and why",
		Long:    replayHelp,
		Example: replayExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(files) == 0 {
				return diag.Errorf("give the observed traffic, e.g. --flows flows.json (hubble observe -o json)", "replay: no --flows")
			}
			if format != "text" && format != "md" && format != "json" {
				return diag.Errorf("use --format text, md or json", "replay: unknown format %q", format)
			}
			model, err := replayModel(e, &in, rev, args)
			if err != nil {
				return err
			}
			rd := flows.NewReader(flows.NewResolver(model.Endpoints(), model.FQDNPeers()))
			names, err := flowArgs(files)
			if err != nil {
				return err
			}
			for _, f := range names {
				if err := readFlows(rd, f, os.Stdin); err != nil {
					return err
				}
			}
			return render.WriteReplay(e.stdout, flows.Replay(model, rd.Set()), format)
		},
	}
	in.register(cmd)
	cmd.Flags().StringArrayVar(&files, "flows", nil, "observed flows: Hubble JSON, Calico flow logs or CSV (files or directories, repeatable; - for standard input)")
	cmd.Flags().StringVar(&format, "format", "text", "text, md or json")
	cmd.Flags().StringVar(&rev, "rev", "", "replay against the intents (and --manifests) of a revision (HEAD~1, origin/main, a tag), read with go-git; the work tree is not read")
	return cmd
}

// replayModel is the model of the intents in DIR (args), or of a
// revision's snapshot with rev.
func replayModel(e *env, in *inputFlags, rev string, args []string) (*enforcer.Model, error) {
	if rev != "" {
		f := diffFlags{in: *in, base: rev}
		base, _, spec, err := f.snapshots(args)
		if err != nil {
			return nil, err
		}
		return gate.Evaluate(base, spec)
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	input, err := in.load(cmp.Or(dir, "."), len(args) == 1, true, e.stderr)
	if err != nil {
		return nil, err
	}
	return input.Model()
}

// readFlows reads one --flows argument.
func readFlows(rd *flows.Reader, name string, stdin io.Reader) error {
	if name == "-" {
		return rd.Read("<stdin>", stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return diag.Errorf("give a readable file of flows", "--flows %s: %v", name, err)
	}
	defer f.Close()
	return rd.Read(name, f)
}
