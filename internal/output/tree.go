package output

import (
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/netpolc/netpolc/internal/atomicfile"
)

// An output directory that does not exist yet is switched in whole: the
// staged new/ folder is renamed to it, one rename instead of a check and
// a rename per file and a folder made per folder (a build of 20,000
// workloads places 40,000 files in 800 folders). Everything staged was
// flushed before the journal, as for a switch file by file, so the
// commit point and the recovery are the same: before the rename the
// output does not exist, after it the output is the whole new tree.

// treeLine is the journal line of a whole-tree switch.
const treeLine = "tree"

// stagedTree is the staging folder's name for the new tree.
const stagedTree = "new"

// placeWhole turns j into a whole-tree switch when the output directory
// is missing (it is then the last folder j makes) and nothing else is
// there to replace or remove: the record is new and nothing is stale.
// It reports whether it did.
func (j *journal) placeWhole(recExists bool, stale int) bool {
	n := len(j.mkdirs)
	if j.out == "." || recExists || stale > 0 || n == 0 || j.mkdirs[n-1] != j.out {
		return false
	}
	j.mkdirs, j.whole = j.mkdirs[:n-1], true
	return true
}

// forwardTree renames the staged tree to the output directory, unless it
// is there already; an output directory that appeared meanwhile is left
// alone (the switch fails and is undone).
func (j *journal) forwardTree(anchor, stage *os.Root) error {
	pending, err := lexists(stage, stagedTree)
	if err != nil {
		return err
	}
	if pending {
		there, err := lexists(anchor, j.out)
		if err != nil {
			return err
		}
		if there {
			return fmt.Errorf("%s: %w: it appeared while netpolc was writing", j.out, errConflict)
		}
		if err := moveBetween(stage, stagedTree, anchor, j.out); err != nil {
			return err
		}
	}
	// Both ends of the rename reach the disk: the stage no longer
	// holding new/ and the output's parent holding it.
	atomicfile.SyncDir(stage, ".")
	atomicfile.SyncDir(anchor, path.Dir(j.out))
	return nil
}

// rollbackTree moves a placed tree back into the stage and removes the
// folders made for it (those still empty).
func (j *journal) rollbackTree(anchor, stage *os.Root) error {
	pending, err := lexists(stage, stagedTree)
	if err != nil {
		return err
	}
	if !pending {
		there, err := lexists(anchor, j.out)
		if err != nil {
			return err
		}
		if there {
			if err := moveBetween(anchor, j.out, stage, stagedTree); err != nil {
				return err
			}
		}
	}
	for _, d := range slices.Backward(j.mkdirs) {
		_ = anchor.Remove(d) // fails, as it should, on a folder in use
	}
	return nil
}
