package config

import (
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/owners"
)

// ownerKeys are the keys of one owner.
var ownerKeys = []string{"intents", "platform", "namespaces", "namespace-labels"}

// ownersValue reads `owners:`, a mapping from owner name to
// {intents, platform, namespaces, namespace-labels}. It is read from a
// pull request, so its sizes are bounded before anything is collected and
// its directories may not leave the directory of netpolc.yaml.
func ownersValue(file, base string, v *yaml.Node, errs *diag.List) owners.Map {
	if v.Kind != yaml.MappingNode {
		errs.Add(pos(file, v), "owners", "write `owners: {NAME: {intents: DIR, namespaces: [...]}}`", "owners must be a mapping")
		return nil
	}
	if n := len(v.Content) / 2; n > owners.MaxOwners {
		errs.Add(pos(file, v), "owners", "split the repository, or merge owners", "%d owners, over the limit of %d", n, owners.MaxOwners)
		return nil
	}
	var m owners.Map
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, ov := v.Content[i], v.Content[i+1]
		o := owners.Owner{Name: k.Value, Pos: pos(file, k)}
		if ov.Kind != yaml.MappingNode {
			errs.Add(pos(file, ov), "owners."+k.Value, "write `intents: DIR` and `namespaces: [...]` under it", "owner %s must be a mapping", k.Value)
			continue
		}
		ownerFields(file, base, &o, ov, errs)
		m = append(m, o)
	}
	valid, verrs := m.Validate()
	*errs = append(*errs, verrs...)
	return valid
}

// ownerFields reads the fields of one owner.
func ownerFields(file, base string, o *owners.Owner, v *yaml.Node, errs *diag.List) {
	at := "owners." + o.Name
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, fv := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "intents":
			o.Dir = ownerDir(file, base, at+".intents", fv, errs)
		case "platform":
			if fv.Kind != yaml.ScalarNode || fv.Tag != "!!bool" || fv.Decode(&o.Platform) != nil {
				errs.Add(pos(file, fv), at+".platform", "write true or false", "platform must be a boolean")
			}
		case "namespaces":
			if fv.Kind == yaml.SequenceNode && len(fv.Content) > owners.MaxNamespaces {
				errs.Add(pos(file, fv), at+".namespaces", "claim them by label instead", "%d namespaces, over the limit of %d", len(fv.Content), owners.MaxNamespaces)
				continue
			}
			o.Namespaces = listValue(file, at+".namespaces", fv, errs)
			slices.Sort(o.Namespaces)
		case "namespace-labels":
			o.Labels = labelsValue(file, at+".namespace-labels", fv, errs)
		default:
			errs.Add(pos(file, k), at+"."+k.Value, "the keys of an owner are "+strings.Join(ownerKeys, ", "), "unknown key %q", k.Value)
		}
	}
}

// ownerDir reads an owner's directory: relative, and inside the directory
// of netpolc.yaml (no "..", no symbolic trick in the text).
func ownerDir(file, base, key string, v *yaml.Node, errs *diag.List) string {
	abs := pathValue(file, base, key, v, errs)
	if abs == "" {
		return ""
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		errs.Add(pos(file, v), key, "an owner's directory lies below netpolc.yaml's, e.g. intents/shop", "%s leaves the repository's directory", v.Value)
		return ""
	}
	return abs
}

// labelsValue reads a mapping of label keys to values.
func labelsValue(file, key string, v *yaml.Node, errs *diag.List) map[string]string {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		errs.Add(pos(file, v), key, "write `"+key+": {team: shop}`", "%s must be a non-empty mapping", key)
		return nil
	}
	if n := len(v.Content) / 2; n > owners.MaxLabels {
		errs.Add(pos(file, v), key, "", "%d labels, over the limit of %d", n, owners.MaxLabels)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i+1].Kind != yaml.ScalarNode {
			errs.Add(pos(file, v.Content[i+1]), key, "", "label values are strings")
			continue
		}
		out[v.Content[i].Value] = v.Content[i+1].Value
	}
	return out
}
