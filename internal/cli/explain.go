package cli

import (
	"cmp"
	"os"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/render"
)

const explainHelp = `Explain whether SRC may open a connection to DST, and why: for each
direction (egress at the source, ingress at the destination) the deciding
layer (admin, NetworkPolicy, baseline, default) and every policy and rule
that isolated, allowed or denied it, with file:line — the CUE intent line
when the policy came from intents.

SRC and DST are workloads ("namespace/name"), IP addresses, external
ranges as matrix prints them ("ip:FIRST-LAST"), or (DST only) DNS names
("fqdn:api.example.com", any name: the rules whose names or patterns
match it decide). PORT is "TCP/5432", "5432"
(TCP), "UDP/53", or a named port ("http", "UDP/dns") resolved on DST.
Without PORT, the allowed ports are listed.

With --manifests, either end may be a Service ("namespace/svc/name", or
"svc/name" when one namespace has it): the workloads behind it, and as DST
on its target ports, PORT naming a service port. SRC may be an ingress
controller as matrix prints it ("{ingress-controller}", or
"{ingress-controller:NS/NAME}" with --ingress-controller): the verdict also
lists the routes (Ingress, Route, HTTPRoute, GRPCRoute) that lead to DST.

DIR, the intents directory, may follow as the last argument (or -d DIR);
a third argument that is an existing directory is DIR, not PORT.`

const explainExample = `  netpolc explain shop/web shop/db TCP/5432 examples/shop
  netpolc explain shop/app 203.0.113.10 TCP/443 -d examples/shop
  netpolc explain payments/checkout fqdn:api.payments.example.com 443 examples/fqdn
  netpolc explain default/client prod/api http --manifests cluster/
  netpolc explain '{ingress-controller}' shop/svc/web https --manifests cluster/`

func newExplainCmd(e *env) *cobra.Command {
	var in inputFlags
	var dir string
	cmd := &cobra.Command{
		Use:     "explain SRC DST [PORT/PROTO] [DIR]",
		Short:   "Explain the verdict for one connection, rule by rule",
		Long:    explainHelp,
		Example: explainExample,
		Args:    cobra.RangeArgs(2, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, posDir := explainArgs(args)
			dirGiven := cmd.Flags().Changed("dir")
			if posDir != "" {
				if dirGiven {
					return diag.Errorf("give the directory once", "both -d %s and the argument %s name the intents directory", dir, posDir)
				}
				dir, dirGiven = posDir, true
			}
			input, err := in.load(cmp.Or(dir, "."), dirGiven, false, e.stderr)
			if err != nil {
				return err
			}
			model, err := input.Model()
			if err != nil {
				return err
			}
			ex, err := explain.Explain(model, args[0], args[1], port)
			if err != nil {
				return err
			}
			render.WriteExplanation(e.stdout, ex)
			return nil
		},
	}
	in.register(cmd)
	cmd.Flags().StringVarP(&dir, "dir", "d", "", "the intents directory (default: the one netpolc.yaml names, else the current directory)")
	return cmd
}

// explainArgs splits the arguments after SRC DST into PORT and DIR: with
// two, PORT then DIR; with one, DIR when it is an existing directory.
func explainArgs(args []string) (port, dir string) {
	switch len(args) {
	case 4:
		return args[2], args[3]
	case 3:
		if fi, err := os.Stat(args[2]); err == nil && fi.IsDir() {
			return "", args[2]
		}
		return args[2], ""
	}
	return "", ""
}
