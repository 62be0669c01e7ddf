package pipeline

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/gctune"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/owners"
)

// Sources say what a run reads: an intents directory, Kubernetes
// manifests, or both, from disk or from a git snapshot.
type Sources struct {
	// IntentsDir is the intents directory as positions name it; "" reads
	// no intents.
	IntentsDir string
	// IntentFiles are the directory's .cue files by base name, read from
	// a snapshot; nil reads IntentsDir from disk.
	IntentFiles map[string][]byte
	// ManifestPaths are files or directories on disk, read recursively.
	ManifestPaths []string
	// ManifestFiles are manifests read from a snapshot.
	ManifestFiles []manifests.File
	// SkipInvalid skips manifest documents that do not decode, with a
	// warning each (manifests.Options), instead of failing.
	SkipInvalid bool
	// AdminChannel is the network-policy-api channel the cluster runs
	// (manifests.Options.AdminChannel): "" when not known.
	AdminChannel adminapi.Channel
	// Controllers map ingress controller keys to the workloads that are
	// those controllers (Input.Controllers).
	Controllers map[string]string
	// Owners, when set, replace IntentsDir: every owner's directory
	// (owners.Owner.Dir, as positions name it) is loaded, compiled as one
	// cluster and checked against the map.
	Owners owners.Map
	// OwnerFiles are the owners' .cue files by owner name and base name,
	// read from a snapshot; nil reads the directories from disk.
	OwnerFiles map[string]map[string][]byte
	// Share, when set, shares what the intents read from a snapshot have
	// in common with other loads through it (see Share).
	Share *Share
}

// Share lets the loads of one process evaluate and compile once the parts
// of their intents that are the same (the base and head of a change):
// intent.Shared and compiler.Shared say what is shared and when. The
// loads must not compile at the same time: their shared parts' CUE values
// are read by one compile at a time.
type Share struct {
	intents *intent.Shared
	compile *compiler.Shared
}

// NewShare is a Share with nothing in it yet.
func NewShare() *Share { return &Share{intents: intent.NewShared(), compile: compiler.NewShared()} }

// Counts are how many parts were evaluated, and how many compile phases of
// a part were compiled and reused, through sh.
func (sh *Share) Counts() (evaluated, compiled, reused int) {
	return sh.intents.Evaluated(), sh.compile.Compiled(), sh.compile.Reused()
}

func (sh *Share) parts() *intent.Shared {
	if sh == nil {
		return nil
	}
	return sh.intents
}

func (sh *Share) compiles() *compiler.Shared {
	if sh == nil {
		return nil
	}
	return sh.compile
}

// Loaded is what Load read: the input to evaluate and the notes of the
// manifest reader (kinds it skipped).
type Loaded struct {
	Input
	Notes []string
	// Skipped are the warnings of the documents skipped under
	// Sources.SkipInvalid.
	Skipped []string
	// Warnings are the manifest reader's (manifests.Set.Warnings).
	Warnings []string
	// Owners checked the intents against the ownership map and places
	// the output (nil without owners).
	Owners *owners.Checker
}

// Load reads and compiles what src names. A snapshot's IntentsDir with no
// .cue files reads no intents.
func Load(src Sources) (*Loaded, error) {
	l := &Loaded{}
	l.Controllers = src.Controllers
	if err := l.loadIntents(src); err != nil {
		return nil, err
	}
	if err := l.loadManifests(src); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Loaded) loadIntents(src Sources) error {
	// Nothing keeps the set: its CUE values, most of the heap, are
	// garbage once this returns and are collected then.
	defer gctune.Building()()
	var (
		set *intent.Set
		err error
	)
	switch {
	case len(src.Owners) > 0:
		return l.loadOwned(src)
	case src.IntentsDir == "":
		return nil
	case src.IntentFiles == nil:
		set, err = intent.Load(src.IntentsDir)
	case len(src.IntentFiles) == 0:
		return nil
	default:
		set, err = src.Share.parts().LoadFiles(src.IntentsDir, src.IntentFiles)
	}
	if err != nil {
		return err
	}
	l.Intents, err = compiler.CompileShared([]*intent.Set{set}, src.Share.compiles())
	return err
}

func (l *Loaded) loadManifests(src Sources) error {
	var (
		set *manifests.Set
		err error
	)
	opts := manifests.Options{SkipInvalid: src.SkipInvalid, AdminChannel: src.AdminChannel}
	switch {
	case len(src.ManifestPaths) > 0:
		set, err = opts.Load(src.ManifestPaths...)
	case len(src.ManifestFiles) > 0:
		set, err = opts.ParseFiles(src.ManifestFiles...)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	l.Manifests, l.Notes, l.Skipped = set, set.Notes, set.Skipped
	l.Warnings = set.Warnings
	return nil
}
