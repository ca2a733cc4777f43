// Peer "go": Go channels (Debian's golang-go), copied from the project's
// benchmark anchors (shared/anchors/go) so that bench/ builds from a clone
// alone.  make(chan uint64) is the rendezvous channel, make(chan uint64, n)
// the bounded one; Go has no unbounded channel, so those cases print n/a.
// Goroutines stand in for threads (GOMAXPROCS defaults to the number of
// cores).
//
// Same workloads, command line and output as the Rust and C programs:
//
//	go-peer [WORKLOAD FLAVOR [N]]
//	prints: go workload flavor ns_per_msg   (ns per round trip for pingpong)
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultN          = 5000000
	defaultRoundtrips = 200000
	producers         = 4
)

var cases = [][2]string{
	{"seq", "unbounded"}, {"seq", "boundedN"},
	{"spsc", "unbounded"}, {"spsc", "bounded1000"}, {"spsc", "bounded1"}, {"spsc", "bounded0"},
	{"mpsc", "unbounded"}, {"mpsc", "bounded1000"}, {"mpsc", "bounded1"}, {"mpsc", "bounded0"},
	{"pingpong", "unbounded"}, {"pingpong", "bounded1000"}, {"pingpong", "bounded1"}, {"pingpong", "bounded0"},
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "go: error:", msg)
	os.Exit(1)
}

func sum0To(n uint64) uint64 {
	if n%2 == 0 {
		return (n / 2) * (n - 1)
	}
	return n * ((n - 1) / 2)
}

func seq(capacity int, n uint64) float64 {
	start := time.Now()
	c := make(chan uint64, capacity)
	for i := uint64(0); i < n; i++ {
		c <- i
	}
	var sum uint64
	for i := uint64(0); i < n; i++ {
		sum += <-c
	}
	el := time.Since(start)
	if sum != sum0To(n) {
		fail("seq: checksum mismatch")
	}
	return float64(el.Nanoseconds()) / float64(n)
}

func spsc(capacity int, n uint64) float64 {
	start := time.Now()
	c := make(chan uint64, capacity)
	done := make(chan struct{})
	go func() {
		for i := uint64(0); i < n; i++ {
			c <- i
		}
		close(done)
	}()
	var sum uint64
	for i := uint64(0); i < n; i++ {
		sum += <-c
	}
	<-done
	el := time.Since(start)
	if sum != sum0To(n) {
		fail("spsc: checksum mismatch")
	}
	return float64(el.Nanoseconds()) / float64(n)
}

func mpsc(capacity int, n uint64) float64 {
	per := n / producers
	total := per * producers
	start := time.Now()
	c := make(chan uint64, capacity)
	var wg sync.WaitGroup
	for p := uint64(0); p < producers; p++ {
		wg.Add(1)
		go func(from, to uint64) {
			for i := from; i < to; i++ {
				c <- i
			}
			wg.Done()
		}(p*per, (p+1)*per)
	}
	var sum uint64
	for i := uint64(0); i < total; i++ {
		sum += <-c
	}
	wg.Wait()
	el := time.Since(start)
	if sum != sum0To(total) {
		fail("mpsc: checksum mismatch")
	}
	return float64(el.Nanoseconds()) / float64(total)
}

func pingpong(capacity int, rounds uint64) float64 {
	start := time.Now()
	ping := make(chan uint64, capacity)
	pong := make(chan uint64, capacity)
	done := make(chan struct{})
	go func() {
		for i := uint64(0); i < rounds; i++ {
			pong <- (<-ping) + 1
		}
		close(done)
	}()
	for i := uint64(0); i < rounds; i++ {
		ping <- i
		if <-pong != i+1 {
			fail("pingpong: wrong value")
		}
	}
	<-done
	el := time.Since(start)
	return float64(el.Nanoseconds()) / float64(rounds)
}

func runCase(workload, flavor string, n uint64) {
	capacity := -1 // unbounded
	switch {
	case flavor == "unbounded":
	case flavor == "boundedN":
		capacity = int(n)
	case strings.HasPrefix(flavor, "bounded"):
		k, err := strconv.Atoi(flavor[len("bounded"):])
		if err != nil || k < 0 {
			fail("bad flavor " + flavor)
		}
		capacity = k
	default:
		fail("bad flavor " + flavor)
	}
	var fn func(int, uint64) float64
	switch workload {
	case "seq":
		fn = seq
	case "spsc":
		fn = spsc
	case "mpsc":
		fn = mpsc
	case "pingpong":
		fn = pingpong
	default:
		fail("bad workload " + workload)
	}
	if capacity < 0 {
		fmt.Printf("go %s %s n/a\n", workload, flavor)
		return
	}
	fmt.Printf("go %s %s %.2f\n", workload, flavor, fn(capacity, n))
}

func main() {
	args := os.Args[1:]
	switch len(args) {
	case 0:
		for _, c := range cases {
			n := uint64(defaultN)
			if c[0] == "pingpong" {
				n = defaultRoundtrips
			}
			runCase(c[0], c[1], n)
		}
	case 2, 3:
		n := uint64(defaultN)
		if args[0] == "pingpong" {
			n = defaultRoundtrips
		}
		if len(args) == 3 {
			v, err := strconv.ParseUint(args[2], 10, 64)
			if err != nil || v == 0 {
				fail("bad N")
			}
			n = v
		}
		runCase(args[0], args[1], n)
	default:
		fmt.Fprintln(os.Stderr, "usage: go-peer [WORKLOAD FLAVOR [N]]")
		os.Exit(2)
	}
}
