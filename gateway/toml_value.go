package gateway

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// str parses a basic ("…", """…""") or literal ('…') string.
func (p *tomlParser) str() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], `"""`) {
		return p.multiline()
	}
	if strings.HasPrefix(p.src[p.pos:], `'''`) {
		return "", p.errf("multi-line literal strings (''') are not supported")
	}
	q := p.next()
	var b strings.Builder
	for {
		if p.eof() || p.peek() == '\n' {
			return "", p.errf("unterminated string")
		}
		c := p.next()
		switch {
		case c == q:
			return b.String(), nil
		case c == '\\' && q == '"':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", p.errf("control character %q in a string", c)
		default:
			b.WriteByte(c)
		}
	}
}

// multiline parses a """multi-line basic string""" (a newline right after
// the opening quotes is dropped; a backslash at the end of a line joins).
func (p *tomlParser) multiline() (string, error) {
	for range 3 {
		p.next()
	}
	if strings.HasPrefix(p.src[p.pos:], "\r\n") {
		p.next()
	}
	if p.peek() == '\n' {
		p.next()
	}
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.errf("unterminated multi-line string")
		}
		if strings.HasPrefix(p.src[p.pos:], `"""`) {
			for range 3 {
				p.next()
			}
			return b.String(), nil
		}
		c := p.next()
		switch {
		case c == '\\':
			rest := strings.TrimLeft(p.src[p.pos:], " \t\r")
			if strings.HasPrefix(rest, "\n") {
				for !p.eof() && strings.ContainsRune(" \t\r\n", rune(p.peek())) {
					p.next()
				}
				continue
			}
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
		}
	}
}

// escape decodes the escape after a backslash.
func (p *tomlParser) escape(b *strings.Builder) error {
	if p.eof() {
		return p.errf("unterminated escape")
	}
	c := p.next()
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'f':
		b.WriteByte('\f')
	case 'r':
		b.WriteByte('\r')
	case '"', '\\':
		b.WriteByte(c)
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		if p.pos+n > len(p.src) {
			return p.errf("short \\%c escape", c)
		}
		v, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return p.errf("bad \\%c escape %q", c, p.src[p.pos:p.pos+n])
		}
		for range n {
			p.next()
		}
		b.WriteRune(rune(v))
	default:
		return p.errf("unknown escape \\%c", c)
	}
	return nil
}

// number parses an integer or a float.
func (p *tomlParser) number() (TOMLValue, error) {
	line := p.line
	start := p.pos
	for !p.eof() && strings.IndexByte("+-0123456789abcdefABCDEFxXoO_.ni", p.peek()) >= 0 {
		p.next()
	}
	lit := p.src[start:p.pos]
	switch lit {
	case "inf", "+inf", "-inf", "nan", "+nan", "-nan":
		f, _ := strconv.ParseFloat(strings.Replace(lit, "inf", "Inf", 1), 64)
		return TOMLValue{Line: line, V: f}, nil
	}
	if strings.Contains(lit, "__") || strings.HasPrefix(strings.TrimLeft(lit, "+-"), "_") || strings.HasSuffix(lit, "_") {
		return TOMLValue{}, p.errf("bad number %q", lit)
	}
	clean := strings.ReplaceAll(lit, "_", "")
	if i, err := strconv.ParseInt(clean, 0, 64); err == nil && !badLeadingZero(clean) {
		return TOMLValue{Line: line, V: i}, nil
	}
	isHex := strings.HasPrefix(strings.TrimLeft(clean, "+-"), "0x")
	if f, err := strconv.ParseFloat(clean, 64); err == nil && !isHex && !badLeadingZero(clean) && strings.ContainsAny(clean, ".eE") {
		return TOMLValue{Line: line, V: f}, nil
	}
	if p.peek() == ':' || strings.Count(lit, "-") > 1 {
		return TOMLValue{}, p.errf("dates and times are not supported")
	}
	return TOMLValue{}, p.errf("bad number %q", lit)
}

// badLeadingZero reports a decimal with a leading zero ("01").
func badLeadingZero(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9'
}

// array parses [v, v, …] (over several lines, with comments).
func (p *tomlParser) array() (TOMLValue, error) {
	line := p.line
	p.next()
	out := []TOMLValue{}
	for {
		p.skipSpaceNewlines()
		if p.peek() == ']' {
			p.next()
			return TOMLValue{Line: line, V: out}, nil
		}
		v, err := p.value()
		if err != nil {
			return TOMLValue{}, err
		}
		out = append(out, v)
		p.skipSpaceNewlines()
		switch p.peek() {
		case ',':
			p.next()
		case ']':
		default:
			return TOMLValue{}, p.errf("expected ',' or ']' in the array opened on line %d, found %s", line, p.found())
		}
	}
}

// inlineTable parses { k = v, … } on one line.
func (p *tomlParser) inlineTable() (TOMLValue, error) {
	line := p.line
	p.next()
	t := newTOMLTable(line)
	p.skipSpace()
	if p.peek() == '}' {
		p.next()
		t.inline = true
		return TOMLValue{Line: line, V: t}, nil
	}
	for {
		p.skipSpace()
		if err := p.keyValue(t); err != nil {
			return TOMLValue{}, err
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.next()
		case '}':
			p.next()
			t.inline = true
			return TOMLValue{Line: line, V: t}, nil
		default:
			return TOMLValue{}, p.errf("expected ',' or '}' in the inline table opened on line %d, found %s", line, p.found())
		}
	}
}
