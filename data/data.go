// Package data knows CareFinder's file formats and data sets: it reads the
// SAMHSA 2015 national directory into directory.Facility records, and it
// generates a realistic, reproducible demo directory of any size for
// development and national-scale benchmarks.
//
// It reads and returns values; it neither logs nor writes to a store.
package data
