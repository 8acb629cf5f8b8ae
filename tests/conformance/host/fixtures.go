package main

// Fixture file format and the subset comparison shared by the conformance host
// and the Go reference probe (refprobe links this file).
//
// Subset rule: every key of a fixture object must be present and equal in the
// actual object (extra keys are ignored); arrays must have the same length and
// match element-wise; scalars must be equal (numbers by value). A fixture null
// also matches a missing key or a zero value ("", 0, false, [], {}), and a
// fixture zero value matches a missing key or null, because gob does not
// transmit zero values and cannot tell nil from empty.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"math/big"
	"reflect"
	"sort"
	"strings"
)

type fixture struct {
	Method  string            `json:"method"`
	Args    []json.RawMessage `json:"args"`
	Returns []json.RawMessage `json:"returns"`
	Note    string            `json:"note"`
}

func loadFixtures(path string) ([]fixture, error) {
	b, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fx []fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return fx, nil
}

// ---- subset comparison ----

func decodeLoose(raw []byte) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	err := d.Decode(&v)
	return v, err
}

func isZeroish(v interface{}) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case json.Number:
		f, ok := new(big.Float).SetString(string(x))
		return ok && f.Sign() == 0
	case []interface{}:
		return len(x) == 0
	case map[string]interface{}:
		return len(x) == 0
	}
	return false
}

// subsetDiff returns "" if expected is a subset of actual, else where they differ.
func subsetDiff(path string, expected, actual interface{}) string {
	if expected == nil {
		if isZeroish(actual) {
			return ""
		}
		return fmt.Sprintf("%s: want null/zero, got %s", path, jsonStr(actual))
	}
	switch e := expected.(type) {
	case map[string]interface{}:
		a, ok := actual.(map[string]interface{})
		if !ok {
			if actual == nil && len(e) == 0 {
				return ""
			}
			return fmt.Sprintf("%s: want object, got %s", path, jsonStr(actual))
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			av, present := a[k]
			if !present {
				if isZeroish(e[k]) {
					continue
				}
				return fmt.Sprintf("%s.%s: missing (want %s)", path, k, jsonStr(e[k]))
			}
			if d := subsetDiff(path+"."+k, e[k], av); d != "" {
				return d
			}
		}
		return ""
	case []interface{}:
		a, ok := actual.([]interface{})
		if !ok {
			if actual == nil && len(e) == 0 {
				return ""
			}
			return fmt.Sprintf("%s: want array, got %s", path, jsonStr(actual))
		}
		if len(a) != len(e) {
			return fmt.Sprintf("%s: want %d elements, got %d", path, len(e), len(a))
		}
		for i := range e {
			if d := subsetDiff(fmt.Sprintf("%s[%d]", path, i), e[i], a[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		an, ok := actual.(json.Number)
		if !ok {
			if actual == nil && isZeroish(e) {
				return ""
			}
			return fmt.Sprintf("%s: want %s, got %s", path, e, jsonStr(actual))
		}
		ef, ok1 := new(big.Float).SetString(string(e))
		af, ok2 := new(big.Float).SetString(string(an))
		if !ok1 || !ok2 || ef.Cmp(af) != 0 {
			return fmt.Sprintf("%s: want %s, got %s", path, e, an)
		}
		return ""
	default:
		if actual == nil && isZeroish(expected) {
			return ""
		}
		if !reflect.DeepEqual(expected, actual) {
			return fmt.Sprintf("%s: want %s, got %s", path, jsonStr(expected), jsonStr(actual))
		}
		return ""
	}
}

func jsonStr(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return shorten(string(b), 160)
}

func argsDiff(fx fixture, actual []json.RawMessage) string {
	if len(fx.Args) != len(actual) {
		return fmt.Sprintf("fixture has %d args, call has %d", len(fx.Args), len(actual))
	}
	for i := range fx.Args {
		e, err := decodeLoose(fx.Args[i])
		if err != nil {
			return fmt.Sprintf("args[%d]: bad fixture JSON: %v", i, err)
		}
		a, err := decodeLoose(actual[i])
		if err != nil {
			return fmt.Sprintf("args[%d]: %v", i, err)
		}
		if d := subsetDiff(fmt.Sprintf("args[%d]", i), e, a); d != "" {
			return d
		}
	}
	return ""
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	s = strings.Replace(s, "\n", "\\n", -1)
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
}
