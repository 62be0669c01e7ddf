// Package config reads netpolc.yaml, the optional repository config file
// that names the intents directory, the output directory and the targets,
// so that `netpolc build`, `netpolc verify` and the git hook need no
// arguments. Command-line flags override it.
//
//	# netpolc.yaml, at the root of the repository
//	intents: intents          # DIR of build, verify, diff
//	output: deploy/netpol     # -o OUT of build and verify
//	targets: [networkpolicy]  # --target of build and verify
//	allow-approximate: false  # and the other build flags that shape the
//	admin-api-version: v1alpha2  # output, so verify rebuilds exactly
//	cilium-named-ports-per-destination: false  # what build wrote
//	ingress-controllers: [ingress/nginx=ingress-nginx/ingress-nginx-controller]
//	flows: [observed/]        # --flows of verify and diff, read at both sides
//
// Paths are relative to the file's directory. Unknown keys are errors, so
// a misspelt key cannot silently fall back to a default.
package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/owners"
	"github.com/netpolc/netpolc/internal/target"
	"github.com/netpolc/netpolc/internal/worktree"
)

// FileName is the config file's name.
const FileName = "netpolc.yaml"

// Config is a loaded config file. The zero value (no file) sets nothing.
type Config struct {
	// File is the path of the file read, "" when there is none.
	File string
	// Intents and Output are absolute paths, "" when not set.
	Intents, Output string
	// IntentsPos and OutputPos are where the file sets them, for errors
	// about the values (zero when not set).
	IntentsPos, OutputPos diag.Pos
	// Targets are the target names as written, nil when not set.
	Targets []string
	// Inventory are the Kubernetes YAML files or directories of the real
	// workloads (absolute paths) that build and verify render for and
	// prove over, as --inventory; nil when not set.
	Inventory []string
	// Flags are the boolean build flags set in the file (allow-approximate
	// and every target's boolean options, target.BuildFlags), by flag
	// name.
	Flags map[string]bool
	// IngressControllers are the KEY=NAMESPACE/NAME mappings of ingress
	// controller keys to workloads, as --ingress-controller takes them; nil
	// when not set.
	IngressControllers []string
	// Values are the string-valued target options set in the file (a
	// string option has one value), by flag name.
	Values map[string][]string
	// Owners is the ownership map (`owners:`), nil when not set; then
	// Intents is unset too. Validated: one platform owner, first.
	Owners owners.Map
	// OwnersPos is where the file sets owners.
	OwnersPos diag.Pos
	// Flows are files or directories of observed flows in the repository
	// (absolute paths) that verify and diff judge every change by, as
	// --flows; nil when not set. FlowsPos is where the file sets them.
	Flows    []string
	FlowsPos diag.Pos
}

// MaxFlowPaths bounds the `flows:` list: each entry is read from two
// snapshots of every change.
const MaxFlowPaths = 64

// Flag returns a build flag's value: the command line's when given, else
// the file's, else false.
func (c *Config) Flag(name string, flagValue, flagGiven bool) bool {
	if flagGiven {
		return flagValue
	}
	return c.Flags[name]
}

// Strings returns a string-valued build flag's values: the command
// line's when given, else the file's, else none.
func (c *Config) Strings(name string, flagValues []string, flagGiven bool) []string {
	if flagGiven {
		return flagValues
	}
	return c.Values[name]
}

// Find looks for netpolc.yaml in start and each parent directory, up to and
// including the root of the git work tree holding start (or the file
// system root outside a work tree). No file is not an error: it returns the
// zero Config.
func Find(start string) (*Config, error) {
	return FindWith(start, func(name string) ([]byte, bool, error) {
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		return data, err == nil, err
	})
}

// FindWith is Find reading each candidate file with read, which reports
// false when the candidate does not exist: verify reads netpolc.yaml from
// the snapshot it checks (the staged index), not from the work tree.
func FindWith(start string, read func(name string) ([]byte, bool, error)) (*Config, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return nil, err
	}
	root, inTree, err := worktree.Root(dir)
	if err != nil {
		return nil, err
	}
	for {
		name := filepath.Join(dir, FileName)
		data, ok, err := read(name)
		switch {
		case err != nil:
			return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error()}}
		case ok:
			return parse(name, data)
		}
		parent := filepath.Dir(dir)
		if (inTree && dir == root) || parent == dir {
			return &Config{}, nil
		}
		dir = parent
	}
}

// Load reads one config file. Every problem is reported with its
// position, together, as a diag.List.
func Load(name string) (*Config, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error()}}
	}
	return parse(name, data)
}

// parse reads a config file's content; name places it (relative paths in
// it are taken from name's directory) and names it in errors.
func parse(name string, data []byte) (*Config, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	c := &Config{File: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error(), Hint: "netpolc.yaml is YAML: `intents: DIR`, `output: DIR`, `targets: [networkpolicy]`"}}
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file sets nothing
	}
	var errs diag.List
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		errs.Add(pos(name, root), "", "write `intents: DIR`, `output: DIR`, `targets: [...]`", "the config must be a mapping")
		return nil, errs
	}
	base := filepath.Dir(abs)
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			// YAML leaves duplicate keys to the reader; the last one
			// winning silently would hide which value the gate uses.
			errs.Add(pos(name, k), k.Value, "keep one of them", "%s is set twice (first at line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		c.key(name, base, k, v, &errs)
	}
	c.checkOwners(&errs)
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return c, nil
}

// key reads the value v of the top-level key k into c.
func (c *Config) key(name, base string, k, v *yaml.Node, errs *diag.List) {
	switch k.Value {
	case "intents":
		c.Intents, c.IntentsPos = pathValue(name, base, k.Value, v, errs), pos(name, v)
	case "output":
		c.Output, c.OutputPos = pathValue(name, base, k.Value, v, errs), pos(name, v)
	case "owners":
		c.Owners, c.OwnersPos = ownersValue(name, base, v, errs), pos(name, k)
	case "targets":
		c.Targets = listValue(name, k.Value, v, errs)
	case "ingress-controllers":
		c.IngressControllers = listValue(name, k.Value, v, errs)
	case "inventory":
		c.Inventory = pathList(name, base, k.Value, v, errs)
	case "flows":
		c.Flows, c.FlowsPos = pathList(name, base, k.Value, v, errs), pos(name, v)
		if len(c.Flows) > MaxFlowPaths {
			errs.Add(pos(name, v), k.Value, "name the directories that hold them instead", "flows names %d paths (at most %d)", len(c.Flows), MaxFlowPaths)
		}
	default:
		if flags := target.BuildFlags(); !slices.Contains(flags, k.Value) {
			errs.Add(pos(name, k), k.Value, "the keys are intents, output, targets, inventory, "+strings.Join(flags, ", ")+", ingress-controllers, owners, flows", "unknown key %q", k.Value)
			return
		}
		c.buildFlag(name, k.Value, v, errs)
	}
}

// checkOwners refuses `intents:` beside `owners:`: which would the build
// read?
func (c *Config) checkOwners(errs *diag.List) {
	if c.Owners != nil && c.Intents != "" {
		errs.Add(c.IntentsPos, "intents", "remove `intents:`: with owners, each owner names its directory", "intents and owners are both set")
	}
}

// buildFlag reads a target option or allow-approximate: a boolean, a
// string (any scalar, as written: "cilium-version: 1.20" is "1.20") or a
// list of strings.
func (c *Config) buildFlag(file, key string, v *yaml.Node, errs *diag.List) {
	switch target.KindOf(key) {
	case kit.OptionString:
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			errs.Add(pos(file, v), key, "write `"+key+": VALUE`", "%s must be a string", key)
			return
		}
		c.setValues(key, []string{v.Value})
	case kit.OptionList:
		if vs := listValue(file, key, v, errs); len(vs) > 0 {
			c.setValues(key, vs)
		}
	default:
		var b bool
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
			errs.Add(pos(file, v), key, "write true or false", "%s must be a boolean", key)
			return
		}
		if c.Flags == nil {
			c.Flags = map[string]bool{}
		}
		c.Flags[key] = b
	}
}

func (c *Config) setValues(key string, vs []string) {
	if c.Values == nil {
		c.Values = map[string][]string{}
	}
	c.Values[key] = vs
}

func pos(file string, n *yaml.Node) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// pathValue reads a non-empty relative path and makes it absolute.
func pathValue(file, base, key string, v *yaml.Node, errs *diag.List) string {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || strings.TrimSpace(v.Value) == "" {
		errs.Add(pos(file, v), key, "write a path relative to netpolc.yaml, e.g. `"+key+": deploy/netpol`", "%s must be a directory path", key)
		return ""
	}
	p := filepath.FromSlash(v.Value)
	if filepath.IsAbs(p) {
		errs.Add(pos(file, v), key, "paths in netpolc.yaml are relative to it, so the repository works wherever it is cloned", "%s must be a relative path", key)
		return ""
	}
	return filepath.Join(base, p)
}

// pathList reads a path or a list of paths (each as pathValue does).
func pathList(file, base, key string, v *yaml.Node, errs *diag.List) []string {
	var out []string
	for _, p := range listNodes(file, key, v, errs) {
		if abs := pathValue(file, base, key, p, errs); abs != "" {
			out = append(out, abs)
		}
	}
	return out
}

// listNodes reads a scalar or a sequence of scalars as nodes, for their
// positions.
func listNodes(file, key string, v *yaml.Node, errs *diag.List) []*yaml.Node {
	switch v.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		return v.Content
	}
	errs.Add(pos(file, v), key, "write `"+key+": [cluster/pods.yaml]`", "%s must be a list of paths", key)
	return nil
}

// listValue reads a string or a list of strings.
func listValue(file, key string, v *yaml.Node, errs *diag.List) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				errs.Add(pos(file, item), key, "", "%s must be a list of names", key)
				continue
			}
			out = append(out, item.Value)
		}
		return out
	}
	errs.Add(pos(file, v), key, "write `"+key+": [networkpolicy]`", "%s must be a list of names", key)
	return nil
}

// Pick returns the flag's value when the flag was given, else the config's
// value, else def.
func Pick(flagValue string, flagGiven bool, configValue, def string) string {
	switch {
	case flagGiven:
		return flagValue
	case configValue != "":
		return configValue
	}
	return def
}
