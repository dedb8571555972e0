package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// referenceParams are the parameters as parseParams read them before it
// had its own query string parser: url.ParseQuery into url.Values. The
// reference for TestParseParamsAsReference.
func referenceParams(raw string, allowed ...string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, paramError("", "the query string is malformed: "+err.Error())
	}
	names := make([]string, 0, len(v))
	for name := range v {
		if ignoredParam(name) || name == "key" {
			delete(v, name)
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if slices.Contains(allowed, name) {
			continue
		}
		return nil, unknownParam(name, allowed) // the message has its own tests
	}
	bad := ""
	for name, vals := range v {
		for _, s := range vals {
			if !utf8.ValidString(s) && (bad == "" || name < bad) {
				bad = name
			}
		}
	}
	if bad != "" {
		return nil, paramError(bad, "is not valid UTF-8 text")
	}
	return v, nil
}

// referenceSingle and referenceList are params.single and params.list over
// url.Values, as they were.
func referenceSingle(v url.Values, name string) (string, error) {
	val := ""
	for _, s := range v[name] {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if val != "" {
			return "", paramError(name, "is given more than once; give it once")
		}
		val = s
	}
	return val, nil
}

func referenceList(v url.Values, name string) []string {
	var out []string
	for _, s := range v[name] {
		for _, item := range strings.Split(s, ",") {
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// checkParamsAsReference compares parseParams, single and list with the
// reference on one query string.
func checkParamsAsReference(t *testing.T, raw string, allowed []string) {
	t.Helper()
	r := &http.Request{URL: &url.URL{RawQuery: raw}}
	got, gotErr := parseParams(r, allowed...)
	want, wantErr := referenceParams(raw, allowed...)
	if diff := cmp.Diff(wantErr, gotErr); diff != "" {
		t.Fatalf("%q: error (-want +got):\n%s", raw, diff)
	}
	if wantErr != nil {
		return
	}
	names := append(slices.Clone(allowed), "", "key", "_", "utm_source", "nope")
	for name := range want {
		names = append(names, name)
	}
	for _, name := range names {
		gv, gerr := got.single(name)
		wv, werr := referenceSingle(want, name)
		if gv != wv || !cmp.Equal(gerr, werr) {
			t.Errorf("%q: single(%q) = %q, %v; want %q, %v", raw, name, gv, gerr, wv, werr)
		}
		if diff := cmp.Diff(referenceList(want, name), got.list(name)); diff != "" {
			t.Errorf("%q: list(%q) (-want +got):\n%s", raw, name, diff)
		}
	}
	// The partner defaults' round trip through url.Values keeps them.
	if diff := cmp.Diff(want, got.values()); diff != "" {
		t.Errorf("%q: values() (-want +got):\n%s", raw, diff)
	}
	var back params
	back.setValues(got.values())
	if diff := cmp.Diff(want, back.values()); diff != "" {
		t.Errorf("%q: setValues then values (-want +got):\n%s", raw, diff)
	}
}

// paramsSeeds are query strings for TestParseParamsAsReference and
// FuzzParseParams: typical searches and every kind of fault.
var paramsSeeds = []string{
	"",
	"care=intensive-outpatient%2Cdetox&lat=37.978299&lon=-122.157109&payment=sliding-scale&radius=25mi",
	"care=inpatient&lat=38.703075&lon=-76.532853&radius=25mi",
	"near=Nashville,+TN&care=detox&care=inpatient",
	"near=37203&care=,detox,,+Inpatient+,&lang=es",
	"near=37203&near=02134",
	"near=37203&near=",
	"near=+&near=37203",
	"carr=detox",
	"zip=37203&carr=detox",
	"zzzzzz=1",
	"care=%zz",
	"care=detox;near=37203",
	"care=detox&&near=37203&",
	"=detox",
	"=",
	"&",
	"care",
	"care=a=b",
	"q=%FF%FE",
	"q=%FF&lang=%FE",
	"%FF=1",
	"key=abc&_=123&utm_source=x&fbclid=y&gclid=z&near=37203",
	"near%3D37203",
	"ne%61r=37203",
	"near=37203%",
	"%=1",
	"q=a+b%20c",
	"sort=NAME&limit=05&cursor=abc%3D%3D",
}

// TestParseParamsAsReference checks that parseParams reads query strings
// as url.ParseQuery did: the same parameters, the same errors.
func TestParseParamsAsReference(t *testing.T) {
	for _, allowed := range [][]string{searchParamNames, nil, {"q"}} {
		for _, raw := range paramsSeeds {
			t.Run(fmt.Sprintf("%d/%s", len(allowed), raw), func(t *testing.T) {
				checkParamsAsReference(t, raw, allowed)
			})
		}
	}
}

// FuzzParseParams compares parseParams with the reference on any query
// string.
func FuzzParseParams(f *testing.F) {
	for _, s := range paramsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkParamsAsReference(t, raw, searchParamNames)
	})
}
