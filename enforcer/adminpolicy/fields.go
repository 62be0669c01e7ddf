package adminpolicy

import (
	"fmt"

	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
)

// checkFields reads the objects as the CRDs of api would (upstream
// network-policy-api config/crd, v0.2.0 for v1alpha2, v0.1.8 for
// v1alpha1; adminapi names the commits): a kind the version does not
// serve, or a field its channel does not have, is an error. The API server
// would prune such a field and reject (namedPort: the port entry is left
// empty) or silently change the object, so reading the field would prove
// something the cluster does not run.
func checkFields(objs *adminapi.Objects, api adminapi.API) error {
	switch {
	case api.V1Alpha1() && len(objs.ClusterNetworkPolicies) > 0:
		return fieldError(objs.ClusterNetworkPolicies[0].Name, "kind ClusterNetworkPolicy", "v1alpha2", api)
	case !api.V1Alpha1() && len(objs.AdminNetworkPolicies) > 0:
		return fieldError(objs.AdminNetworkPolicies[0].Name, "kind AdminNetworkPolicy", "v1alpha1", api)
	case !api.V1Alpha1() && objs.BaselineAdminNetworkPolicy != nil:
		return fieldError(objs.BaselineAdminNetworkPolicy.Name, "kind BaselineAdminNetworkPolicy", "v1alpha1", api)
	case objs.BaselineAdminNetworkPolicy != nil && objs.BaselineAdminNetworkPolicy.Name != "default":
		// The CRD's CEL rule: the singleton is named "default"
		// (apis/v1alpha1/baselineadminnetworkpolicy_types.go).
		return fmt.Errorf("%w: adminpolicy interpreter: BaselineAdminNetworkPolicy %q: the CRD accepts only the name \"default\"",
			enforcer.ErrInvalid, objs.BaselineAdminNetworkPolicy.Name)
	case api.Experimental():
		return nil
	}
	for _, c := range objs.ClusterNetworkPolicies {
		for i, r := range c.Spec.Egress {
			for j, p := range r.To {
				if len(p.DomainNames) > 0 {
					return fieldError(c.Name, fmt.Sprintf("spec.egress[%d].to[%d].domainNames", i, j), "the experimental channel", api)
				}
			}
		}
	}
	for _, a := range objs.AdminNetworkPolicies {
		for i, r := range a.Spec.Ingress {
			for j, p := range ptrList(r.Ports) {
				if p.NamedPort != nil {
					return fieldError(a.Name, fmt.Sprintf("spec.ingress[%d].ports[%d].namedPort", i, j), "the experimental channel", api)
				}
			}
		}
		for i, r := range a.Spec.Egress {
			for j, p := range r.To {
				if len(p.DomainNames) > 0 {
					return fieldError(a.Name, fmt.Sprintf("spec.egress[%d].to[%d].domainNames", i, j), "the experimental channel", api)
				}
			}
			if r.Ports == nil {
				continue
			}
			for j, p := range *r.Ports {
				if p.NamedPort != nil {
					return fieldError(a.Name, fmt.Sprintf("spec.egress[%d].ports[%d].namedPort", i, j), "the experimental channel", api)
				}
			}
		}
	}
	return checkBANPFields(objs, api)
}

// checkBANPFields rejects a namedPort in the BaselineAdminNetworkPolicy
// on the standard channel (an experimental field there, as in the ANP).
func checkBANPFields(objs *adminapi.Objects, api adminapi.API) error {
	banp := objs.BaselineAdminNetworkPolicy
	if banp == nil {
		return nil
	}
	for i, r := range banp.Spec.Ingress {
		for j, p := range ptrList(r.Ports) {
			if p.NamedPort != nil {
				return fieldError(banp.Name, fmt.Sprintf("spec.ingress[%d].ports[%d].namedPort", i, j), "the experimental channel", api)
			}
		}
	}
	for i, r := range banp.Spec.Egress {
		for j, p := range ptrList(r.Ports) {
			if p.NamedPort != nil {
				return fieldError(banp.Name, fmt.Sprintf("spec.egress[%d].ports[%d].namedPort", i, j), "the experimental channel", api)
			}
		}
	}
	return nil
}

func fieldError(name, field, where string, api adminapi.API) error {
	return fmt.Errorf("%w: adminpolicy interpreter: %s: %s does not exist in the %s CRDs (only in %s)",
		enforcer.ErrInvalid, name, field, api, where)
}

// ptrList is the list a pointer holds (none for nil).
func ptrList(ps *[]v1alpha1.AdminNetworkPolicyPort) []v1alpha1.AdminNetworkPolicyPort {
	if ps == nil {
		return nil
	}
	return *ps
}
