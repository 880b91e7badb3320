package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/probes"
	"github.com/spf13/cobra"
)

// Exit codes of `busprobe diff`, as diff(1) has them.
const (
	diffSame      = 0 // the snapshots agree
	diffDifferent = 1 // something changed
	diffTrouble   = 2 // a file could not be read or is not a snapshot
)

// diffFlags are the flags of `busprobe diff`.
type diffFlags struct {
	asJSON   bool
	settings bool
}

// diffResultJSON is what `busprobe diff --json` prints.
type diffResultJSON struct {
	SchemaVersion int  `json:"schema_version"`
	Identical     bool `json:"identical"`
	probes.SnapshotDiff
}

func newDiffCmd(e *env) *cobra.Command {
	var f diffFlags
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Show what changed between two snapshots",
		Long: `Compare two snapshots (busprobe snapshot) point by point: the points whose
value changed, with before, after and the difference for numbers; the points whose
raw registers changed but whose decoded value did not (raw-only); and the points only
one snapshot has. --settings compares only writable points (access rw or w), leaving
out live measurements that change between any two reads.

Exit codes as diff(1): 0 identical, 1 different, 2 trouble (a file missing or not a
snapshot, a bad command line).`,
		Example: `  busprobe diff before.json after.json
  busprobe diff before.json after.json --settings --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("diff takes two snapshot files, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(e, args[0], args[1], f)
		},
	}
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the differences as one JSON document")
	cmd.Flags().BoolVar(&f.settings, "settings", false, "compare only writable points (access rw or w)")
	return cmd
}

func runDiff(e *env, fileA, fileB string, f diffFlags) error {
	var snaps [2]probes.Snapshot
	for i, file := range []string{fileA, fileB} {
		s, err := probes.LoadSnapshot(file)
		if err != nil {
			return &codedError{code: diffTrouble, err: err}
		}
		snaps[i] = s
	}
	d := probes.DiffSnapshots(snaps[0], snaps[1], probes.DiffOptions{Settings: f.settings})
	d.A.File, d.B.File = fileA, fileB
	var err error
	if f.asJSON {
		err = writeJSON(e.stdout, diffResultJSON{SchemaVersion: schemaVersion, Identical: d.Identical(), SnapshotDiff: d})
	} else {
		err = writeDiff(e.stdout, d)
	}
	if err != nil {
		return &codedError{code: diffTrouble, err: err}
	}
	if !d.Identical() {
		return &codedError{code: diffDifferent}
	}
	return nil
}

// writeDiff prints the differences as a table.
func writeDiff(w io.Writer, d probes.SnapshotDiff) error {
	fmt.Fprintf(w, "--- %s  %s  %s unit %d  %s\n", d.A.File, d.A.Time, d.A.Target, d.A.Unit, d.A.Profile)
	fmt.Fprintf(w, "+++ %s  %s  %s unit %d  %s\n", d.B.File, d.B.Time, d.B.Target, d.B.Unit, d.B.Profile)
	for _, n := range d.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	counts := map[probes.ChangeKind]int{}
	if len(d.Changes) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "POINT\tCHANGE\tBEFORE\tAFTER\tDELTA")
		for _, c := range d.Changes {
			counts[c.Kind]++
			before, after := c.BeforeShown, c.AfterShown
			switch c.Kind {
			case probes.ChangeAdded:
				before = "-"
			case probes.ChangeRemoved:
				after = "-"
			case probes.ChangeRawOnly:
				before, after = rawWords(c.BeforeRaw), rawWords(c.AfterRaw)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, before, after, delta(c))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d changed, %d raw-only, %d added, %d removed, %d same\n",
		counts[probes.ChangeValue], counts[probes.ChangeRawOnly], counts[probes.ChangeAdded], counts[probes.ChangeRemoved], d.Same)
	return err
}

// rawWords formats raw values as hex words in brackets.
func rawWords(raw []int) string {
	parts := make([]string, len(raw))
	for i, r := range raw {
		parts[i] = fmt.Sprintf("%04X", r)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// delta formats after − before with a sign and the unit, e.g. "-45 min".
func delta(c probes.PointChange) string {
	if c.Delta == nil {
		return ""
	}
	s := strconv.FormatFloat(*c.Delta, 'g', -1, 64)
	if *c.Delta >= 0 {
		s = "+" + s
	}
	if c.Unit != "" {
		s += " " + c.Unit
	}
	return s
}
