package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/web"
)

// usageDays is how many recent days of usage `partner list` shows.
const usageDays = 7

// listFlag is a flag that may be given more than once (or as a
// comma-separated list, when split).
type listFlag struct {
	values []string
	split  bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(s string) error {
	parts := []string{s}
	if l.split {
		parts = strings.Split(s, ",")
	}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			l.values = append(l.values, p)
		}
	}
	return nil
}

// partnerAddFlags are the options of `carefinder partner add`.
type partnerAddFlags struct {
	storeFlags
	name          string
	origins       listFlag
	states        listFlag
	counties      listFlag
	geojson       string
	defaults      listFlag
	rateLimit     int
	geocodeLoader func() (*geo.Gazetteer, error)
}

func partnerAddCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	f := &partnerAddFlags{states: listFlag{split: true}, counties: listFlag{split: false}, geocodeLoader: geo.NewGazetteer}
	f.register(fs)
	fs.StringVar(&f.name, "name", "", "the partner's name, as people know it (required)")
	fs.Var(&f.origins, "origin", "an origin the widget runs on, scheme://host[:port] (required; repeat for more)")
	fs.Var(&f.states, "region-state", "restrict results to facilities in this state, a two-letter code (repeat or comma-separate for more)")
	fs.Var(&f.counties, "region-county", `restrict results to a county, "County, ST" (not supported yet: use --region-geojson)`)
	fs.StringVar(&f.geojson, "region-geojson", "", "restrict results to the area in this GeoJSON file (Polygon, MultiPolygon, or a Feature or FeatureCollection of them)")
	fs.Var(&f.defaults, "default", "a search default, name=value (care=detox, radius=50mi, near=37203, lang=es, limit=10…); repeat for more")
	fs.IntVar(&f.rateLimit, "rate-limit", directory.DefaultPartnerRateLimit, "requests a minute for the key, all its visitors together")
	return func(ctx context.Context, args []string, e env) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", args[0])}
		}
		if f.name == "" {
			return usageError{"--name is required"}
		}
		if len(f.origins.values) == 0 {
			return usageError{"give at least one --origin, the site the widget will run on (https://example.org)"}
		}
		if f.rateLimit < 1 {
			return usageError{"--rate-limit must be at least 1 request a minute"}
		}
		p, err := f.partner()
		if err != nil {
			return err
		}
		store, err := f.openStore(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		key, err := store.AddPartner(ctx, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Added partner %q, key id %s.\n", p.Name, p.KeyID)
		fmt.Fprintf(e.stdout, "Origins: %s\n", strings.Join(p.Origins, ", "))
		fmt.Fprintf(e.stdout, "Region: %s\n", describeRegion(p.Region))
		if len(p.Defaults) > 0 {
			fmt.Fprintf(e.stdout, "Defaults: %s\n", p.Defaults.Encode())
		}
		fmt.Fprintf(e.stdout, "Rate limit: %d requests a minute.\n", p.RateLimit)
		fmt.Fprintln(e.stdout, "The key follows, shown this once (only its hash is kept); put it in the snippet's data-key:")
		fmt.Fprintln(e.stdout, key)
		return nil
	}
}

// partner builds the partner the flags describe, checking what the store
// cannot: state codes, the GeoJSON file and the defaults.
func (f *partnerAddFlags) partner() (*directory.Partner, error) {
	p := &directory.Partner{Name: f.name, Origins: f.origins.values, RateLimit: f.rateLimit, Defaults: url.Values{}}
	for _, o := range p.Origins {
		if _, err := directory.NormalizeOrigin(o); err != nil {
			return nil, usageError{"--origin " + err.Error()}
		}
	}
	if len(f.counties.values) > 0 {
		return nil, usageError{"--region-county is not supported yet: CareFinder has no county boundaries offline. " +
			"Give the county's boundary as --region-geojson FILE (the Census Bureau publishes them), or a whole state with --region-state"}
	}
	for _, st := range f.states.values {
		if _, ok := geo.StateName(st); !ok {
			return nil, usageError{fmt.Sprintf("--region-state %q is not a U.S. state or territory code like TN", st)}
		}
		p.Region.States = append(p.Region.States, strings.ToUpper(st))
	}
	if f.geojson != "" {
		b, err := os.ReadFile(f.geojson)
		if err != nil {
			return nil, fmt.Errorf("--region-geojson: %w", err)
		}
		if _, err := directory.ParseRegionGeoJSON(b); err != nil {
			var de *directory.Error
			if errors.As(err, &de) {
				return nil, fmt.Errorf("--region-geojson %s: %s", f.geojson, de.Message)
			}
			return nil, fmt.Errorf("--region-geojson %s: %w", f.geojson, err)
		}
		p.Region.Area = b
	}
	for _, d := range f.defaults.values {
		name, value, ok := strings.Cut(d, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageError{fmt.Sprintf("--default %q: give name=value, like care=detox", d)}
		}
		p.Defaults.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if len(p.Defaults) > 0 {
		gaz, err := f.geocodeLoader()
		if err != nil {
			return nil, err
		}
		if err := web.CheckPartnerDefaults(p.Defaults, gaz, directory.DefaultTaxonomy()); err != nil {
			return nil, usageError{"--default " + err.Error()}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, usageError{err.Error()}
	}
	return p, nil
}

func describeRegion(r directory.Region) string {
	var parts []string
	if len(r.States) > 0 {
		parts = append(parts, "state "+strings.Join(r.States, ", "))
	}
	if len(r.Area) > 0 {
		mp, err := r.Polygons()
		if err != nil {
			parts = append(parts, "an unreadable area ("+err.Error()+")")
		} else {
			n := 0
			for _, p := range mp {
				for _, ring := range p {
					n += len(ring)
				}
			}
			parts = append(parts, fmt.Sprintf("an area of %d polygon(s), %d points", len(mp), n))
		}
	}
	if len(parts) == 0 {
		return "everywhere"
	}
	return strings.Join(parts, " or ")
}

func partnerListCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	sf := &storeFlags{}
	sf.register(fs)
	return func(ctx context.Context, args []string, e env) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", args[0])}
		}
		store, err := sf.openStore(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		partners, err := store.Partners(ctx)
		if err != nil {
			return err
		}
		if len(partners) == 0 {
			fmt.Fprintln(e.stdout, "No partners yet; add one with `carefinder partner add --name NAME --origin URL`.")
			return nil
		}
		today := time.Now().UTC()
		days := make([]string, usageDays)
		for i := range days {
			days[i] = directory.UsageDay(today.AddDate(0, 0, i-usageDays+1))
		}
		usage, err := store.PartnerUsage(ctx, days[0])
		if err != nil {
			return err
		}
		counts := map[string]map[string]int64{}
		for _, u := range usage {
			if counts[u.KeyID] == nil {
				counts[u.KeyID] = map[string]int64{}
			}
			counts[u.KeyID][u.Day] = u.Requests
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY ID\tNAME\tSTATUS\tLIMIT/MIN\tREGION\tORIGINS")
		for _, p := range partners {
			status := "enabled"
			if !p.Enabled {
				status = "disabled " + p.DisabledAt.UTC().Format(time.DateOnly)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.KeyID, p.Name, status, p.RateLimit, describeRegion(p.Region), strings.Join(p.Origins, " "))
		}
		tw.Flush()
		fmt.Fprintf(e.stdout, "\nRequests per day (UTC), the last %d days:\n", usageDays)
		tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "KEY ID\t")
		for _, d := range days {
			fmt.Fprintf(tw, "%s\t", d[5:])
		}
		fmt.Fprintln(tw, "TOTAL\t")
		for _, p := range partners {
			fmt.Fprintf(tw, "%s\t", p.KeyID)
			var total int64
			for _, d := range days {
				n := counts[p.KeyID][d]
				total += n
				fmt.Fprintf(tw, "%d\t", n)
			}
			fmt.Fprintf(tw, "%d\t\n", total)
		}
		return tw.Flush()
	}
}

func partnerDisableCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	sf := &storeFlags{}
	sf.register(fs)
	return func(ctx context.Context, args []string, e env) error {
		if len(args) != 1 {
			return usageError{"give the KEYID to disable (see `carefinder partner list`)"}
		}
		keyID := args[0]
		if id, _, ok := directory.SplitPartnerKey(keyID); ok {
			keyID = id // a whole key works too
		}
		store, err := sf.openStore(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		p, err := store.PartnerByKeyID(ctx, keyID)
		if err != nil {
			return err
		}
		if err := store.DisablePartner(ctx, keyID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Disabled %s (%s). Running servers refuse it within seconds; this cannot be undone (add a new key instead).\n", keyID, p.Name)
		return nil
	}
}
