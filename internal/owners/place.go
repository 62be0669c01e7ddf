package owners

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
)

// clusterDir is the folder of cluster-scoped objects in a target's output
// (kit.ObjectFiles).
const clusterDir = "cluster"

// Place moves a target's files into their owners' folders:
// <target>/<namespace>/… into <target>/<owner of the namespace>/<namespace>/…
// (the platform owner's when only the platform's intents made it),
// and <target>/cluster/… into the folder of the one owner whose intents
// made the object (its "# from" lines), else the platform owner's, who
// reviews what several teams' intents make together. Files directly in
// the target folder (the nftables ruleset) stay. A namespace without an
// owner is an error: nothing is written where no one reviews it.
func (c *Checker) Place(target string, files []kit.File) ([]kit.File, error) {
	plat := c.Map.Platform()
	out := make([]kit.File, 0, len(files))
	for _, f := range files {
		rest, ok := strings.CutPrefix(f.Path, target+"/")
		dir, _, nested := strings.Cut(rest, "/")
		if !ok || !nested {
			out = append(out, f)
			continue
		}
		owner := c.nsOwner[dir]
		switch origin := c.originOwner(f.Data); {
		case dir == clusterDir:
			owner = origin
			if owner == "" && plat != nil {
				owner = plat.Name
			}
		case plat != nil && origin == plat.Name:
			// What the platform's own intents make in a team's namespace
			// (a baseline isolation per namespace, on networkpolicy) is
			// the platform team's to review.
			owner = origin
		}
		if owner == "" {
			return nil, fmt.Errorf("%s: %s: namespace %q has no owner in netpolc.yaml", target, f.Path, dir)
		}
		out = append(out, kit.File{Path: target + "/" + owner + "/" + rest, Data: f.Data})
	}
	kit.SortFiles(out)
	return out, nil
}

// originOwner is the one owner of every intents file a file's "# from"
// header lines name, "" when they name none or several.
func (c *Checker) originOwner(data []byte) string {
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break // the header is over
		}
		from, ok := strings.CutPrefix(line, "# from ")
		if !ok {
			continue
		}
		file, _, _ := strings.Cut(from, " ")
		if o := c.FileOwner(file); o != "" && !slices.Contains(found, o) {
			found = append(found, o)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// Names are the owners' folder names, in map order.
func (m Map) Names() []string {
	out := make([]string, len(m))
	for i, o := range m {
		out[i] = o.Name
	}
	return out
}
