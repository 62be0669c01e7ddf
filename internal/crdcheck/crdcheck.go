// Package crdcheck validates objects against one version of a
// CustomResourceDefinition with the Kubernetes API server's own code
// (k8s.io/apiextensions-apiserver): the structural schema, the OpenAPI
// schema validator, x-kubernetes-list-type invariants, embedded object
// metadata and the CEL rules (x-kubernetes-validations), in the order the
// server's create path runs them (pkg/apiserver/customresource_handler.go:
// prune, then default; pkg/registry/customresource/strategy.go and
// validator.go: type meta, metadata, schema, list types, CEL unless an
// earlier error blocks it).
//
// One difference from the server is deliberate: the server prunes fields
// its schema does not know and, unless the client asks for strict field
// validation, says nothing. Here each pruned field is an error: a writer
// that emits a field the schema drops has a bug, and a reader that
// evaluated the field would read a policy the cluster never stores.
package crdcheck

import (
	"context"
	"fmt"
	"sort"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// CRD is one served version of a CustomResourceDefinition, compiled for
// validation. It is safe for concurrent use.
type CRD struct {
	// Group, Version and Kind name what the CRD serves.
	Group, Version, Kind string
	// Namespaced is whether the objects are namespaced.
	Namespaced bool

	structural *structuralschema.Structural
	schema     validation.SchemaValidator
	cel        *cel.Validator // nil: the schema has no CEL rules
}

// Parse reads a CustomResourceDefinition (apiextensions.k8s.io/v1, YAML
// or JSON) and compiles its version for validation.
func Parse(data []byte, version string) (*CRD, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return nil, fmt.Errorf("reading the CustomResourceDefinition: %w", err)
	}
	return New(&crd, version)
}

// New compiles one version of crd for validation. It fails when the
// version is missing, its schema is not structural, or a CEL rule does
// not compile: a validator that could not run a rule would pass objects
// the API server rejects.
func New(crd *apiextensionsv1.CustomResourceDefinition, version string) (*CRD, error) {
	if crd.APIVersion != "" && crd.APIVersion != apiextensionsv1.SchemeGroupVersion.String() {
		return nil, fmt.Errorf("%s: apiVersion %q, want %s", crd.Name, crd.APIVersion, apiextensionsv1.SchemeGroupVersion)
	}
	var v1 *apiextensionsv1.CustomResourceValidation
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			v1 = v.Schema
		}
	}
	if v1 == nil || v1.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("%s: no schema for version %q", crd.Name, version)
	}
	var internal apiextensionsinternal.CustomResourceValidation
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v1, &internal, nil); err != nil {
		return nil, fmt.Errorf("%s %s: converting the schema: %w", crd.Name, version, err)
	}
	s, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("%s %s: the schema is not structural: %w", crd.Name, version, err)
	}
	if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
		return nil, fmt.Errorf("%s %s: the schema is not structural: %w", crd.Name, version, errs.ToAggregate())
	}
	if err := defaulting.PruneDefaults(s); err != nil {
		return nil, fmt.Errorf("%s %s: pruning defaults: %w", crd.Name, version, err)
	}
	sv, _, err := validation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", crd.Name, version, err)
	}
	if err := compileRules(s); err != nil {
		return nil, fmt.Errorf("%s %s: %w", crd.Name, version, err)
	}
	return &CRD{
		Group: crd.Spec.Group, Version: version, Kind: crd.Spec.Names.Kind,
		Namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		structural: s, schema: sv,
		cel: cel.NewValidator(s, true, celconfig.PerCallLimit),
	}, nil
}

// APIVersion is "group/version".
func (c *CRD) APIVersion() string { return c.Group + "/" + c.Version }

// Error is one reason the API server would reject an object.
type Error struct {
	// Field is the field path, as the API server writes it
	// ("spec.egress[0].to[1]"); "" is the object.
	Field string
	// Check names what found it: "schema" (the OpenAPI validator),
	// "unknown field" (pruning), "metadata", "list type" or "CEL".
	Check string
	// Rule is what the object breaks: for CEL the rule's expression, for
	// the others the kind of error ("Required value", "Invalid value", …).
	Rule string
	// Message is the API server's message (for CEL the rule's message).
	Message string
}

// Error renders "field: check rule: message".
func (e Error) Error() string {
	f := e.Field
	if f == "" {
		f = "<object>"
	}
	if e.Check == e.Rule {
		return fmt.Sprintf("%s: %s: %s", f, e.Check, e.Message)
	}
	return fmt.Sprintf("%s: %s %s: %s", f, e.Check, e.Rule, e.Message)
}

// Validate checks obj (a decoded JSON object, as json.Unmarshal into
// map[string]any or k8s.io/apimachinery/pkg/util/json produce; obj is
// not changed) and returns every error, sorted by field.
func (c *CRD) Validate(obj map[string]any) []Error {
	u, err := normalize(obj)
	if err != nil {
		return []Error{{Check: "schema", Rule: "decode", Message: err.Error()}}
	}
	errs := c.prune(u)
	defaulting.Default(u, c.structural)
	errs = append(errs, c.validate(context.Background(), u)...)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

// ValidateValue checks v, any value that marshals to a JSON object (a
// typed API object, say).
func (c *CRD) ValidateValue(v any) []Error {
	obj, err := toObject(v)
	if err != nil {
		return []Error{{Check: "schema", Rule: "decode", Message: err.Error()}}
	}
	return c.Validate(obj)
}
