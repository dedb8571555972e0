// Package data knows CareFinder's file formats and data sets: it reads the
// SAMHSA 2015 national directory and FindTreatment.gov's locator export
// into directory.Facility records, reads and writes Open Referral's HSDS
// 3.0 (JSON documents and the CSV data package), and generates a
// realistic, reproducible demo directory of any size for development and
// national-scale benchmarks.
//
// It reads and returns values; it neither logs nor writes to a store.
package data
