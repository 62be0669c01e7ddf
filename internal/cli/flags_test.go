package cli

import "flag"

var updateScripts = flag.Bool("update", false, "rewrite the expected outputs of testdata/script")
