package crdcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

// NotRun is the Rule of the Error that says the CEL rules were not run,
// after an error that blocks them (the API server's hasBlockingErr).
const NotRun = "not run"

// prune removes what the schema does not know, as the server's decoder
// does (customresource_handler.go, schemaCoercingConverter), and reports
// each removed field, metadata's included.
func (c *CRD) prune(u map[string]any) []Error {
	var errs []Error
	_, _, unknownMeta, err := objectmeta.GetObjectMetaWithOptions(u, objectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		errs = append(errs, Error{Field: "metadata", Check: "metadata", Rule: "Invalid value", Message: err.Error()})
	}
	paths := append(unknownMeta, pruning.PruneWithOptions(u, c.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	if ferr, embedded := objectmeta.CoerceWithOptions(nil, u, c.structural, false,
		objectmeta.CoerceOptions{ReturnUnknownFieldPaths: true}); ferr != nil {
		errs = append(errs, fromField("metadata", ferr))
	} else {
		paths = append(paths, embedded...)
	}
	for _, p := range paths {
		errs = append(errs, Error{Field: p, Check: "unknown field", Rule: "unknown field",
			Message: "the schema has no such field: the API server prunes it (or, with strict field validation, rejects the object)"})
	}
	return errs
}

// validate runs the checks of the server's create strategy on the pruned
// and defaulted object u.
func (c *CRD) validate(ctx context.Context, u map[string]any) []Error {
	var fes field.ErrorList
	if kind, _ := u["kind"].(string); kind != c.Kind {
		fes = append(fes, field.Invalid(field.NewPath("kind"), u["kind"], "must be "+c.Kind))
	}
	if av, _ := u["apiVersion"].(string); av != c.APIVersion() {
		fes = append(fes, field.Invalid(field.NewPath("apiVersion"), u["apiVersion"], "must be "+c.APIVersion()))
	}
	if len(fes) > 0 {
		return fromFields("schema", fes) // the server stops here too
	}
	errs := c.metadata(u)
	fes = append(fes, objectmeta.Validate(ctx, nil, u, c.structural, false)...)
	fes = append(fes, validation.ValidateCustomResource(nil, u, c.schema)...)
	errs = append(errs, fromFields("schema", fes)...)
	lists := listtype.ValidateListSetsAndMaps(nil, c.structural, u)
	errs = append(errs, fromFields("list type", lists)...)
	if c.cel == nil {
		return errs
	}
	if blocking(append(fes, lists...)) {
		return append(errs, Error{Check: "CEL", Rule: NotRun,
			Message: "the CEL rules were not checked because the object is invalid (the API server skips them too)"})
	}
	cerrs, _ := c.cel.Validate(ctx, nil, c.structural, u, nil, celconfig.RuntimeCELCostBudget)
	for _, fe := range cerrs {
		e := fromField("CEL", fe)
		e.Rule = c.ruleOf(fe.Field, fe.Detail)
		errs = append(errs, e)
	}
	return errs
}

// metadata validates the object's metadata as the server does for a
// custom resource (name a DNS subdomain, labels, annotations). The
// namespace of a namespaced object comes from the request, so a missing
// one is not an error; a cluster-scoped object's is cleared, as the
// server's rest.BeforeCreate does.
func (c *CRD) metadata(u map[string]any) []Error {
	raw, ok := u["metadata"].(map[string]any)
	if !ok {
		if u["metadata"] == nil {
			return []Error{{Field: "metadata.name", Check: "metadata", Rule: "Required value", Message: "name or generateName is required"}}
		}
		return []Error{{Field: "metadata", Check: "metadata", Rule: "Invalid value", Message: "must be an object"}}
	}
	data, err := json.Marshal(raw)
	var m metav1.ObjectMeta
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		return []Error{{Field: "metadata", Check: "metadata", Rule: "Invalid value", Message: err.Error()}}
	}
	switch {
	case !c.Namespaced:
		m.Namespace = ""
	case m.Namespace == "":
		m.Namespace = metav1.NamespaceDefault
	}
	return fromFields("metadata", metavalidation.ValidateObjectMeta(&m, c.Namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata")))
}

// blocking is the server's hasBlockingErr (registry/customresource/
// strategy.go): errors after which CEL rules are not run.
func blocking(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong,
			field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

func fromFields(check string, fes field.ErrorList) []Error {
	out := make([]Error, 0, len(fes))
	for _, fe := range fes {
		out = append(out, fromField(check, fe))
	}
	return out
}

func fromField(check string, fe *field.Error) Error {
	msg := fe.Detail
	if msg == "" {
		msg = fe.ErrorBody()
	}
	f := fe.Field
	if f == "<nil>" { // field.Path of the object itself
		f = ""
	}
	return Error{Field: f, Check: check, Rule: fe.Type.String(), Message: msg}
}

// compileRules compiles every CEL rule of s, as the server does when it
// accepts the CRD, and fails on the first that does not compile.
func compileRules(s *structuralschema.Structural) error {
	env := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	var walk func(path string, n *structuralschema.Structural, root bool) error
	walk = func(path string, n *structuralschema.Structural, root bool) error {
		if n == nil {
			return nil
		}
		if len(n.XValidations) > 0 {
			res, err := cel.Compile(n, model.SchemaDeclType(n, root), celconfig.PerCallLimit, env, cel.StoredExpressionsEnvLoader())
			if err != nil {
				return fmt.Errorf("%s: CEL rules: %w", path, err)
			}
			for i, r := range res {
				if r.Error != nil {
					return fmt.Errorf("%s: CEL rule %q: %s", path, n.XValidations[i].Rule, r.Error.Detail)
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(n.Properties)) {
			p := n.Properties[name]
			if err := walk(path+"."+name, &p, false); err != nil {
				return err
			}
		}
		if n.AdditionalProperties != nil {
			if err := walk(path+"[*]", n.AdditionalProperties.Structural, false); err != nil {
				return err
			}
		}
		return walk(path+"[]", n.Items, false)
	}
	return walk("<root>", s, true)
}
