package sim

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/busprobe/busprobe/profiles"
)

// profileIdentity is the identity of a device built from a profile: FC43
// vendor name, product code (the first alias, else the model), model name
// and revision; FC17 server ID = unit with the text "vendor model". When
// the profile has an identify.fc43 rule, the strings are chosen to match
// it: the profile's own names when they match, else a literal string the
// rule's regular expression accepts.
func profileIdentity(prof *profiles.Profile, unit int) *Identity {
	code := prof.Model
	if len(prof.Aliases) > 0 {
		code = prof.Aliases[0]
	}
	id := &Identity{
		VendorName: prof.Vendor, ProductCode: code, Revision: "1.0",
		ProductName: prof.Vendor + " " + prof.Model, ModelName: prof.Model,
	}
	if r := prof.Identify.FC43; r != nil {
		if r.Vendor != nil {
			id.VendorName = literalFor(r.Vendor, prof.Vendor)
		}
		if r.Product != nil && !r.Product.MatchString(id.ProductCode) && !r.Product.MatchString(id.ModelName) {
			id.ProductCode = literalFor(r.Product, slices.Concat(prof.Aliases, []string{prof.ID, prof.Model})...)
		}
	}
	id.ServerID = &ServerID{ID: unit, Running: true, Data: clip(id.VendorName+" "+prof.Model, 240)}
	for _, s := range []*string{&id.VendorName, &id.ProductCode, &id.ProductName, &id.ModelName} {
		*s = clip(*s, 240)
	}
	return id
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// literalFor returns the first candidate re matches, else a string built
// from re's syntax (first alternative, minimal repetition), else the
// first candidate.
func literalFor(re *regexp.Regexp, candidates ...string) string {
	for _, c := range candidates {
		if re.MatchString(c) {
			return c
		}
	}
	if sx, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		var b strings.Builder
		build(&b, sx.Simplify())
		if s := b.String(); re.MatchString(s) {
			return s
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return ""
}

// build writes a shortest string matching the regexp node.
func build(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
	case syntax.OpCapture, syntax.OpPlus, syntax.OpAlternate:
		build(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			build(b, s)
		}
	case syntax.OpRepeat:
		for range re.Min {
			build(b, re.Sub[0])
		}
	}
}

// classRune picks a printable rune of a character class given as ranges.
func classRune(ranges []rune) rune {
	for _, want := range []rune{'a', 'A', '0', ' ', '-'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}
