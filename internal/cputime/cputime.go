// Package cputime reads the CPU time the process has used, for
// benchmarks to report beside wall time: on a machine shared with other
// work, CPU time hardly depends on what else runs.
package cputime
