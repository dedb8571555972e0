package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// DatasetReal names the real 2015 SAMHSA directory.
const DatasetReal = "real"

// demoSeed fixes the synthetic directories, so that every run and every
// engine sees the same facilities.
const demoSeed = 20150

// maxSynthetic bounds a synthetic directory: the generator holds every
// facility in memory (about 900 MB per million).
const maxSynthetic = 5_000_000

// Dataset is a directory held in memory. It is also the search.Source an
// index follows: facility i carries Seq i+1 and is active.
type Dataset struct {
	Name       string
	Facilities []directory.Facility
}

var _ search.Source = (*Dataset)(nil)

// ChangedSince implements search.Source over the slice.
func (d *Dataset) ChangedSince(ctx context.Context, seq int64, limit int) ([]*directory.Facility, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := max(int(seq), 0)
	end := min(start+limit, len(d.Facilities))
	if start >= end {
		return nil, nil
	}
	out := make([]*directory.Facility, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, &d.Facilities[i])
	}
	return out, nil
}

// ParseDatasetName checks a dataset name: "real", or a synthetic size such
// as "5k", "100k", "1m" or "25000". It returns the size, 0 for real.
func ParseDatasetName(name string) (int, error) {
	if name == DatasetReal {
		return 0, nil
	}
	s, mult := strings.ToLower(name), 1
	switch {
	case strings.HasSuffix(s, "k"):
		s, mult = s[:len(s)-1], 1000
	case strings.HasSuffix(s, "m"):
		s, mult = s[:len(s)-1], 1_000_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n*mult > maxSynthetic {
		return 0, fmt.Errorf("unknown dataset %q: use real, or a synthetic size like 100k or 1m (at most %d)", name, maxSynthetic)
	}
	return n * mult, nil
}

// SyntheticName is the dataset name of a synthetic directory of n
// facilities: "5k", "100k", "1m" or the plain number.
func SyntheticName(n int) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "m"
	case n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// LoadDataset reads the real directory from samhsaPath, or generates a
// synthetic one with a fixed seed.
func LoadDataset(ctx context.Context, name, samhsaPath string) (*Dataset, error) {
	n, err := ParseDatasetName(name)
	if err != nil {
		return nil, err
	}
	var fs []directory.Facility
	if n == 0 {
		if fs, err = loadSAMHSA(ctx, samhsaPath); err != nil {
			return nil, err
		}
	} else {
		gaz, err := geo.NewGazetteer()
		if err != nil {
			return nil, err
		}
		fs = data.GenerateDemo(data.DemoOptions{Seed: demoSeed, N: n, ZIPs: gaz.ZIPs()})
	}
	for i := range fs {
		fs[i].Seq = int64(i + 1)
		fs[i].Active = true
	}
	return &Dataset{Name: name, Facilities: fs}, nil
}

func loadSAMHSA(ctx context.Context, path string) ([]directory.Facility, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("real dataset: %w (give --samhsa FILE)", err)
	}
	defer f.Close()
	rep, err := data.ParseSAMHSA2015(ctx, bufio.NewReaderSize(f, 1<<16), data.ParseOptions{})
	if err != nil {
		return nil, fmt.Errorf("real dataset %s: %w", path, err)
	}
	fs := make([]directory.Facility, len(rep.Records))
	for i, r := range rep.Records {
		fs[i] = r.Facility
	}
	return fs, nil
}
