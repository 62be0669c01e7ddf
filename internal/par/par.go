// Package par runs independent pieces of work on every CPU.
package par

import (
	"runtime"
	"sync"
)

// For runs f(0), …, f(n-1) on GOMAXPROCS workers and waits for them. f
// must only write to state owned by its index.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
