package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/pipeline"
)

// inputFlags are the flags that say what to evaluate: an intents directory,
// Kubernetes manifests, or both.
type inputFlags struct {
	manifests   []string
	skipInvalid bool
	controllers []string // --ingress-controller KEY=NAMESPACE/NAME
	skipped     int      // documents skipped by the last load
}

func (f *inputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.manifests, "manifests", nil,
		"Kubernetes YAML (file or directory, recursive; repeatable): workloads, namespaces and policies to evaluate")
	cmd.Flags().BoolVar(&f.skipInvalid, "skip-invalid", false,
		"skip manifest documents that do not decode (unrendered templates, junk) with a warning each, instead of failing")
	cmd.Flags().StringArrayVar(&f.controllers, "ingress-controller", nil,
		"KEY=NAMESPACE/NAME: the workload that is the ingress controller of KEY (ingress/CLASS, ingress, route, gateway/NS/NAME, or * for the rest; repeatable); unmapped controllers are {ingress-controller}")
}

// controllerMap parses the --ingress-controller flags, else netpolc.yaml's
// ingress-controllers.
func (f *inputFlags) controllerMap(cfg *config.Config) (map[string]string, error) {
	out := map[string]string{}
	list := f.controllers
	if len(list) == 0 && cfg != nil {
		list = cfg.IngressControllers
	}
	for _, c := range list {
		key, w, ok := strings.Cut(c, "=")
		ns, name, two := strings.Cut(w, "/")
		if !ok || key == "" || !two || ns == "" || name == "" || strings.Contains(name, "/") {
			return nil, diag.Errorf("write KEY=NAMESPACE/NAME, e.g. ingress/nginx=ingress-nginx/ingress-nginx-controller",
				"--ingress-controller %q is not KEY=NAMESPACE/NAME", c)
		}
		if _, dup := out[key]; dup {
			return nil, diag.Errorf("give each key once", "--ingress-controller names %s twice", key)
		}
		out[key] = w
	}
	return out, nil
}

// load assembles the input. With --manifests and no DIR, only the manifests
// are evaluated (unless needIntents); with a DIR (or neither), the intents
// are compiled, and with both, the intents' policies are evaluated over the
// manifests' workloads. Without a DIR, the intents directory is the one
// netpolc.yaml names, else the current directory.
func (f *inputFlags) load(dir string, dirGiven, needIntents bool, notes io.Writer) (pipeline.Input, error) {
	cfg, err := config.Find(".")
	if err != nil {
		return pipeline.Input{}, err
	}
	if !dirGiven {
		dir = displayPath(config.Pick(dir, false, cfg.Intents, dir))
	}
	ctrl, err := f.controllerMap(cfg)
	if err != nil {
		return pipeline.Input{}, err
	}
	src := pipeline.Sources{ManifestPaths: f.manifests, SkipInvalid: f.skipInvalid, Controllers: ctrl}
	if src.AdminChannel, err = adminChannel(cfg); err != nil {
		return pipeline.Input{}, err
	}
	if dirGiven || needIntents || len(f.manifests) == 0 {
		src.IntentsDir = dir
		if !dirGiven {
			src.Owners = displayOwners(cfg.Owners) // every owner's directory, one cluster
		}
	}
	loaded, err := pipeline.Load(src)
	if err != nil {
		return pipeline.Input{}, err
	}
	for _, n := range loaded.Notes {
		fmt.Fprintf(notes, "note: %s\n", n)
	}
	for _, w := range loaded.Warnings {
		fmt.Fprintf(notes, "warning: %s\n", w)
	}
	printSkipped(notes, loaded.Skipped)
	f.skipped = len(loaded.Skipped)
	if n := loaded.NoWorkloadsNote(); n != "" {
		fmt.Fprintf(notes, "warning: %s\n", n)
	}
	return loaded.Input, nil
}

// adminChannel is the network-policy-api channel netpolc.yaml names (the
// adminpolicy target's admin-channel), "" when it names none: the admin
// objects of --manifests are validated for it (manifests.Options).
func adminChannel(cfg *config.Config) (adminapi.Channel, error) {
	chs := cfg.Values[adminapi.SettingChannel]
	if len(chs) != 1 {
		return "", nil
	}
	api, err := adminapi.ParseAPI("", chs[0])
	if err != nil {
		return "", diag.Errorf("set "+adminapi.SettingChannel+" in "+config.FileName+" to a channel", "%v", err)
	}
	return api.Channel, nil
}

// printSkipped prints the warnings of --skip-invalid and their count.
func printSkipped(w io.Writer, skipped []string) {
	for _, s := range skipped {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "netpolc: skipped %d manifest document(s) that do not decode (--skip-invalid); the result does not include them\n", len(skipped))
	}
}
