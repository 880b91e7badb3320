package main

import (
	"context"
	"fmt"
	"io"

	"github.com/busprobe/busprobe/probes"
	"github.com/spf13/cobra"
)

// snapshotFlags are the flags of `busprobe snapshot`.
type snapshotFlags struct {
	conn     connFlags
	profile  string
	profiles profileFlags
	output   string
	force    bool
}

func newSnapshotCmd(e *env) *cobra.Command {
	var f snapshotFlags
	cmd := &cobra.Command{
		Use:   "snapshot URL",
		Short: "Save every decoded value of one unit to a JSON file (for busprobe diff)",
		Long: `Read every readable point of the profile from one unit and save the decoded
values, the raw registers, the time, the target, its line settings, the unit and the
profile as one JSON document: the before or after proof of a commissioning step.
Compare two snapshots with busprobe diff.

The file is written atomically (a temporary file renamed into place) and an existing
file is kept unless --force; -o - prints the document on stdout.

Exit 0 when every point was read, 4 when some failed (the snapshot is saved with
each failed point's error), 1 when none was read (nothing saved) or on error,
2 on a bad command line.`,
		Example: `  busprobe snapshot tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 -o before.json
  busprobe write tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 --point demand_period=15
  busprobe snapshot tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 -o after.json
  busprobe diff before.json after.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSnapshot(cmd.Context(), e, args[0], f)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.profile, "profile", "", "the profile (ID or alias) whose points are read")
	fl.StringVarP(&f.output, "output", "o", "", "the snapshot `FILE` (- for stdout)")
	fl.BoolVar(&f.force, "force", false, "let -o overwrite an existing file")
	f.profiles.register(cmd, false)
	return cmd
}

func runSnapshot(ctx context.Context, e *env, rawURL string, f snapshotFlags) error {
	switch {
	case f.profile == "":
		return usagef("--profile is required: the snapshot decodes the profile's points")
	case f.output == "":
		return usagef("-o FILE is required (- for stdout)")
	case f.force && f.output == "-":
		return usagef("--force only applies to -o FILE")
	}
	unit, err := f.conn.unitID()
	if err != nil {
		return err
	}
	if f.output != "-" {
		if err := checkNoClobber(f.output, f.force); err != nil {
			return err
		}
	}
	p, err := f.profiles.profile(e, f.profile)
	if err != nil {
		return err
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	defer s.close()
	snap, err := probes.TakeSnapshot(ctx, s.client, s.target, unit, p)
	if err != nil {
		return s.explain(unit, err)
	}
	for _, n := range snap.Notes {
		fmt.Fprintln(e.stderr, "busprobe: note: "+n)
	}
	if snap.Summary.OK == 0 {
		return &codedError{code: exitError, err: fmt.Errorf("%s unit %d: no point could be read (first: %s); nothing saved", s.target, unit, firstError(snap))}
	}
	if f.output == "-" {
		err = writeJSON(e.stdout, snap)
	} else {
		err = saveJSONFile(f.output, snap, f.force)
	}
	if err != nil {
		return err
	}
	summarizeSnapshot(e.stderr, f.output, snap)
	if snap.Summary.Failed > 0 {
		return &codedError{code: exitPartial, err: fmt.Errorf("%d of %d points failed (first: %s); their errors are in the snapshot",
			snap.Summary.Failed, len(snap.Points), firstError(snap))}
	}
	return nil
}

// firstError returns the first point error of a snapshot.
func firstError(s probes.Snapshot) string {
	for _, p := range s.Points {
		if p.Error != "" {
			return p.Name + ": " + p.Error
		}
	}
	return "none"
}

// summarizeSnapshot prints one line about the saved snapshot.
func summarizeSnapshot(w io.Writer, file string, s probes.Snapshot) {
	where := "saved " + file
	if file == "-" {
		where = "snapshot"
	}
	fmt.Fprintf(w, "%s: %s unit %d, %s, %d points (%d failed) in %d request(s)\n",
		where, s.Target, s.Unit, s.Profile, len(s.Points), s.Summary.Failed, s.Requests)
}
