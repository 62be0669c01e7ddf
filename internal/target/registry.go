package target

import (
	"github.com/netpolc/netpolc/emitters/adminpolicy"
	"github.com/netpolc/netpolc/emitters/calico"
	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/emitters/nftables"
	readadmin "github.com/netpolc/netpolc/enforcer/adminpolicy"
	readcalico "github.com/netpolc/netpolc/enforcer/calico"
	readcilium "github.com/netpolc/netpolc/enforcer/cilium"
	readnetpol "github.com/netpolc/netpolc/enforcer/networkpolicy"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
)

// registry is every target, sorted by name: one line each.
var registry = []Target{
	pair{adminpolicy.Emitter{}, readadmin.Interpreter{}},
	pair{calico.Emitter{}, readcalico.Interpreter{}},
	pair{cilium.Emitter{}, readcilium.Interpreter{}},
	pair{networkpolicy.Emitter{}, readnetpol.Interpreter{}},
	pair{nftables.Emitter{}, readnft.Interpreter{}},
}
