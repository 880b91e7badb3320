package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/profiles"
	"github.com/spf13/cobra"
)

// profileFlags is the --profiles flag of every command that uses the
// profile library.
type profileFlags struct {
	dirs []string
}

// register adds --profiles to cmd; persistent makes it apply to cmd's
// subcommands as well.
func (f *profileFlags) register(cmd *cobra.Command, persistent bool) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.StringArrayVar(&f.dirs, "profiles", nil,
		"folder of your own profiles, loaded beside the embedded library (repeatable; also "+profiles.EnvProfiles+", colon-separated)")
}

// library opens the embedded library overlaid with BUSPROBE_PROFILES and
// the --profiles folders. Profiles that fail to validate are skipped with
// a warning on stderr (`busprobe profiles validate` shows them); a folder
// that cannot be read is an error.
func (f *profileFlags) library(e *env) (*profiles.Library, error) {
	env := os.Getenv(profiles.EnvProfiles)
	for _, dir := range append(filepath.SplitList(env), f.dirs...) {
		if strings.TrimSpace(dir) == "" {
			continue
		}
		if _, err := os.ReadDir(dir); err != nil {
			return nil, fmt.Errorf("profiles folder %s: %w", dir, errors.Unwrap(err))
		}
	}
	lib, err := profiles.Open(env, f.dirs...)
	var ves profiles.ValidationErrors
	if err != nil && !errors.As(err, &ves) {
		return nil, err
	}
	if errors.As(err, &ves) {
		fmt.Fprintf(e.stderr, "busprobe: warning: %d problems in profiles, skipped (see `busprobe profiles validate`):\n", len(ves))
		for _, v := range ves {
			fmt.Fprintln(e.stderr, "  "+v.Error())
		}
	}
	for _, n := range lib.Notes() {
		fmt.Fprintln(e.stderr, "busprobe: note: "+n)
	}
	return lib, nil
}

// profile finds one profile by ID or alias.
func (f *profileFlags) profile(e *env, name string) (*profiles.Profile, error) {
	lib, err := f.library(e)
	if err != nil {
		return nil, err
	}
	p, err := lib.Get(name)
	if err != nil {
		return nil, fmt.Errorf("%w (busprobe profiles list shows the IDs)", err)
	}
	return p, nil
}

func newProfilesCmd(e *env) *cobra.Command {
	var pf profileFlags
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List, show, validate and plan device profiles (register maps)",
		Long: `Profiles are register maps in YAML (docs/profiles.md). busprobe embeds a library of
real devices; --profiles DIR and BUSPROBE_PROFILES (colon-separated) add your own folders,
whose profiles override embedded ones with the same ID.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf.register(cmd, true)
	cmd.AddCommand(newProfilesListCmd(e, &pf), newProfilesShowCmd(e, &pf),
		newProfilesValidateCmd(e), newProfilesPlanCmd(e, &pf))
	return cmd
}

// profileSummary is one entry of `busprobe profiles list --json`.
type profileSummary struct {
	ID          string        `json:"id"`
	Vendor      string        `json:"vendor"`
	Model       string        `json:"model"`
	Aliases     []string      `json:"aliases"`
	Description string        `json:"description,omitempty"`
	Points      int           `json:"points"`
	Source      sourceJSON    `json:"source"`
	File        string        `json:"file"`
	Embedded    bool          `json:"embedded"`
	SunSpec     []int         `json:"sunspec_models,omitempty"`
	Limits      *limitsJSON   `json:"limits,omitempty"`
	PointList   []pointJSON   `json:"point_list,omitempty"`
	Identify    *identifyJSON `json:"identify,omitempty"`
}

type sourceJSON struct {
	Title   string `json:"title"`
	Version string `json:"version,omitempty"`
	URL     string `json:"url,omitempty"`
	Notes   string `json:"notes,omitempty"`
}

func summarize(p *profiles.Profile) profileSummary {
	return profileSummary{ID: p.ID, Vendor: p.Vendor, Model: p.Model, Aliases: append([]string{}, p.Aliases...),
		Description: p.Description, Points: len(p.Points), File: p.File, Embedded: p.Embedded(),
		Source:  sourceJSON{Title: p.Source.Title, Version: p.Source.Version, URL: p.Source.URL, Notes: p.Source.Notes},
		SunSpec: p.Identify.SunSpecModels}
}

func newProfilesListCmd(e *env, pf *profileFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the profiles: embedded and your own",
		Example: "  busprobe profiles list\n  busprobe profiles list --json --profiles ./my-profiles",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			lib, err := pf.library(e)
			if err != nil {
				return err
			}
			var list []profileSummary
			for _, p := range lib.List() {
				list = append(list, summarize(p))
			}
			if asJSON {
				return writeJSON(e.stdout, list)
			}
			return writeProfileList(e.stdout, list)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// writeProfileList prints one line per profile.
func writeProfileList(w io.Writer, list []profileSummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVENDOR\tMODEL\tPOINTS\tFROM")
	for _, p := range list {
		from := "embedded"
		if !p.Embedded {
			from = p.File
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.ID, p.Vendor, p.Model, p.Points, from)
	}
	return tw.Flush()
}

func newProfilesValidateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check profile files: every problem as file:line:column",
		Long: `Load each file strictly and print every problem as FILE:LINE:COLUMN: PATH: MESSAGE,
or "ok FILE" for a good file. The exit code is 1 when any file has a problem.`,
		Example: "  busprobe profiles validate my-meter.yaml\n  busprobe profiles validate profiles/*.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, files []string) error {
			bad, problems := 0, 0
			for _, file := range files {
				n := validateFile(e.stdout, file)
				problems += n
				if n > 0 {
					bad++
				}
			}
			if bad > 0 {
				return &codedError{code: exitError,
					err: fmt.Errorf("%d problems in %d of %d files", problems, bad, len(files))}
			}
			return nil
		},
	}
}

// validateFile loads one file and prints its problems or "ok"; it returns
// the number of problems.
func validateFile(w io.Writer, file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(w, "%s: %v\n", file, errors.Unwrap(err))
		return 1
	}
	p, err := profiles.Load(file, data)
	var ves profiles.ValidationErrors
	switch {
	case errors.As(err, &ves):
		for _, v := range ves {
			fmt.Fprintln(w, v.Error())
		}
		return len(ves)
	case err != nil:
		fmt.Fprintf(w, "%s: %v\n", file, err)
		return 1
	}
	fmt.Fprintf(w, "ok %s (%s, %d points)\n", file, p.ID, len(p.Points))
	return 0
}

// planJSON is the document `busprobe profiles plan --json` prints.
type planJSON struct {
	SchemaVersion int           `json:"schema_version"`
	Profile       string        `json:"profile"`
	Points        int           `json:"points"`
	PauseMS       float64       `json:"pause_ms"`
	Requests      []requestJSON `json:"requests"`
}

type requestJSON struct {
	Table    string   `json:"table"`
	Address  uint16   `json:"address"`
	Notation string   `json:"notation"`
	Count    int      `json:"count"`
	Points   []string `json:"points"`
}

func newProfilesPlanCmd(e *env, pf *profileFlags) *cobra.Command {
	var points []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan ID",
		Short: "Preview the requests that read a profile's points",
		Long: `Print the fewest read requests that cover the points within the device's limits
(max registers per request, holes, one request per point, pause): what
"busprobe read --profile ID" sends.`,
		Example: "  busprobe profiles plan eastron-sdm630\n  busprobe profiles plan sdm630 --points voltage_l1,frequency",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := pf.profile(e, args[0])
			if err != nil {
				return err
			}
			pts, err := p.Select(points)
			if err != nil {
				return usagef("--points: %v", err)
			}
			plan, err := profiles.Plan(pts, p.Device)
			if err != nil {
				return fmt.Errorf("profile %s: %w", p.ID, err)
			}
			if asJSON {
				return writeJSON(e.stdout, toPlanJSON(p, plan))
			}
			fmt.Fprintf(e.stdout, "%s (%s %s)\n%s", p.ID, p.Vendor, p.Model, plan)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&points, "points", nil, "points to read, comma-separated (default: every readable point)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func toPlanJSON(p *profiles.Profile, plan profiles.ReadPlan) planJSON {
	out := planJSON{SchemaVersion: schemaVersion, Profile: p.ID, Points: plan.Points,
		PauseMS: float64(plan.Pause.Microseconds()) / 1000, Requests: []requestJSON{}}
	for _, r := range plan.Requests {
		rj := requestJSON{Table: r.Table.String(), Address: r.Address, Notation: profiles.FormatNotation(r.Table, r.Address), Count: r.Count}
		for _, pt := range r.Points {
			rj.Points = append(rj.Points, pt.Name)
		}
		out.Requests = append(out.Requests, rj)
	}
	return out
}

// joinOr joins strings, or returns dash for none.
func joinOr(s []string, sep string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, sep)
}
