package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
)

// exportFormat is a format `carefinder export` writes.
type exportFormat struct {
	name  string
	write func(dir string, fs []*directory.Facility, tax *directory.Taxonomy) (data.ExportCounts, error)
}

// exportFormats are the formats this build writes.
func exportFormats() []exportFormat {
	return []exportFormat{
		{"hsds-json", data.WriteHSDSJSON},
		{"hsds-csv", data.WriteHSDSCSV},
	}
}

func exportFormatNames() string {
	var names []string
	for _, f := range exportFormats() {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

func exportCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	sf := &storeFlags{}
	sf.register(fs)
	var format string
	fs.StringVar(&format, "format", "", "output format: "+exportFormatNames())
	return func(ctx context.Context, args []string, e env) error {
		if format == "" {
			return usageError{"--format is required (" + exportFormatNames() + ")"}
		}
		i := slices.IndexFunc(exportFormats(), func(x exportFormat) bool { return x.name == format })
		if i < 0 {
			return usageError{fmt.Sprintf("format %q is not supported; use one of: %s", format, exportFormatNames())}
		}
		if len(args) != 1 {
			return usageError{"give exactly one DIR to write the files into"}
		}
		start := time.Now()
		store, err := sf.openStore(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		all, err := allFacilities(ctx, store)
		if err != nil {
			return err
		}
		counts, err := exportFormats()[i].write(args[0], all, store.Taxonomy())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Exported %d facilities as HSDS %s (%s) into %s: %s (%s).\n", counts.Services, data.HSDSVersion, format,
			args[0], strings.Join(counts.Files, ", "), time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// allFacilities reads every facility of the store, removed ones included.
func allFacilities(ctx context.Context, store *directory.Store) ([]*directory.Facility, error) {
	var out []*directory.Facility
	var seq int64
	for {
		page, err := store.ChangedSince(ctx, seq, directory.MaxChangesPage)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		out = append(out, page...)
		seq = page[len(page)-1].Seq
	}
}
