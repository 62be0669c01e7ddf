package kit

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// CheckPort validates one IR port as the Kubernetes API server validates a
// NetworkPolicyPort: a known protocol, a valid number or name (not both),
// endPort only with a numeric port and not below it.
func CheckPort(p ir.Port) error {
	var msgs []string
	switch p.Protocol {
	case portset.TCP, portset.UDP, portset.SCTP:
	default:
		msgs = append(msgs, fmt.Sprintf("protocol %q: must be TCP, UDP or SCTP", p.Protocol))
	}
	switch {
	case p.Name != "" && p.Number != 0:
		msgs = append(msgs, fmt.Sprintf("port %d and name %q: only one may be set", p.Number, p.Name))
	case p.Name != "":
		if found := validPortNames.validate(p.Name); len(found) > 0 {
			msgs = appendMsgs(msgs, "port "+p.Name, found)
		}
		if p.End != 0 {
			msgs = append(msgs, fmt.Sprintf("endPort %d: only allowed with a numeric port", p.End))
		}
	case p.Number == 0 && p.End != 0:
		msgs = append(msgs, fmt.Sprintf("endPort %d: only allowed with a numeric port", p.End))
	case p.Number == 0:
		// Every port of the protocol.
	default:
		if found := validation.IsValidPortNum(int(p.Number)); len(found) > 0 {
			msgs = appendMsgs(msgs, fmt.Sprintf("port %d", p.Number), found)
		}
		if p.End != 0 {
			if found := validation.IsValidPortNum(int(p.End)); len(found) > 0 {
				msgs = appendMsgs(msgs, fmt.Sprintf("endPort %d", p.End), found)
			}
			if p.End < p.Number {
				msgs = append(msgs, fmt.Sprintf("endPort %d: must not be below port %d", p.End, p.Number))
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s", ErrInvalid, strings.Join(msgs, "; "))
}

// appendMsgs adds the validation messages about what, if any.
func appendMsgs(msgs []string, what string, found []string) []string {
	if len(found) > 0 {
		msgs = append(msgs, what+": "+strings.Join(found, "; "))
	}
	return msgs
}
