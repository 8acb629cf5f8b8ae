package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// reporter prints one PASS/FAIL line per check and counts failures.
type reporter struct {
	mu      sync.Mutex
	section string
	passed  int
	failed  int
	fails   []string
}

func newReporter() *reporter { return &reporter{} }

func (r *reporter) setSection(s string) {
	r.mu.Lock()
	r.section = s
	r.mu.Unlock()
	fmt.Printf("=== %s\n", s)
}

// check records one result. detail is printed on the same line (after " -- ").
func (r *reporter) check(name string, ok bool, detail string, args ...interface{}) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := ""
	if detail != "" {
		if s := strings.TrimSpace(fmt.Sprintf(detail, args...)); s != "" {
			d = " -- " + s
		}
	}
	if ok {
		r.passed++
		fmt.Printf("PASS %s: %s%s\n", r.section, name, d)
	} else {
		r.failed++
		line := fmt.Sprintf("%s: %s%s", r.section, name, d)
		r.fails = append(r.fails, line)
		fmt.Printf("FAIL %s\n", line)
	}
	return ok
}

func (r *reporter) pass(name string, detail string, args ...interface{}) {
	r.check(name, true, detail, args...)
}

func (r *reporter) fail(name string, detail string, args ...interface{}) {
	r.check(name, false, detail, args...)
}

func (r *reporter) info(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	for _, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Printf("     %s\n", l)
	}
}

func (r *reporter) summary() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Printf("=== summary: %d passed, %d failed\n", r.passed, r.failed)
	for _, f := range r.fails {
		fmt.Printf("  failed: %s\n", f)
	}
	if r.failed > 0 || r.passed == 0 {
		return 1
	}
	return 0
}

func verbose() bool { return os.Getenv("CONFORMANCE_VERBOSE") != "" }
