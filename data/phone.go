package data

import (
	"regexp"
	"strings"

	"github.com/carefinder/carefinder/directory"
)

var (
	// phoneRE matches one US number as SAMHSA's PDF parser left it:
	// "(334)428-5050", "(205)923- 6552x13", with an optional extension.
	phoneRE = regexp.MustCompile(`\(?([0-9]{3})\)?[ .-]*([0-9]{3})[ .-]*([0-9]{4})(?:[ ]*(?:x|ext\.?|extension)[ ]*([0-9]{1,6}))?`)
	// phoneLabelRE matches the labels that introduce the numbers after them.
	phoneLabelRE = regexp.MustCompile(`(?i)\b(intakes?|hotline)[ ]*:`)
)

// contact is the Contact column read as phone numbers.
type contact struct {
	phones directory.Phones
	// moreIntake and more are numbers beyond the first of their kind;
	// Phones has room for one of each.
	moreIntake, more []string
	// leftover is text that is not a phone number, trimmed; "" when the
	// whole column was understood.
	leftover string
}

// parseContact reads a Contact column such as
// "(205)923-6552x12 Intakes: (205)923-6552x10 (205)923- 6552x13": the first
// unlabelled number is the main one, the first after "Intake:"/"Intakes:" the
// intake one and the first after "Hotline:" the hotline.
func parseContact(s string) contact {
	var c contact
	var rest []string
	label := ""
	for s != "" {
		seg := s
		next, nextLabel := "", ""
		if loc := phoneLabelRE.FindStringSubmatchIndex(s); loc != nil {
			seg = s[:loc[0]]
			next = s[loc[1]:]
			nextLabel = strings.ToLower(s[loc[2]:loc[3]])
		}
		c.readSegment(label, seg, &rest)
		s, label = next, nextLabel
		if nextLabel == "" {
			break
		}
		if s == "" {
			// A label with nothing after it.
			rest = append(rest, nextLabel+":")
		}
	}
	c.leftover = strings.Join(rest, " ")
	return c
}

func (c *contact) readSegment(label, seg string, rest *[]string) {
	matches := phoneRE.FindAllStringSubmatchIndex(seg, -1)
	prev := 0
	for _, m := range matches {
		if t := strings.TrimSpace(seg[prev:m[0]]); t != "" {
			*rest = append(*rest, t)
		}
		prev = m[1]
		ext := ""
		if m[8] >= 0 {
			ext = seg[m[8]:m[9]]
		}
		n := formatPhone(seg[m[2]:m[3]], seg[m[4]:m[5]], seg[m[6]:m[7]], ext)
		switch label {
		case "intake", "intakes":
			if c.phones.Intake == "" {
				c.phones.Intake = n
			} else {
				c.moreIntake = append(c.moreIntake, n)
			}
		case "hotline":
			if c.phones.Hotline == "" {
				c.phones.Hotline = n
			} else {
				c.more = append(c.more, n)
			}
		default:
			if c.phones.Main == "" {
				c.phones.Main = n
			} else {
				c.more = append(c.more, n)
			}
		}
	}
	if t := strings.TrimSpace(seg[prev:]); t != "" {
		*rest = append(*rest, t)
	}
}

// formatPhone writes a number the way CareFinder shows them:
// "(334) 428-5050" or "(205) 923-6552 ext. 12".
func formatPhone(area, exchange, line, ext string) string {
	s := "(" + area + ") " + exchange + "-" + line
	if ext != "" {
		s += " ext. " + ext
	}
	return s
}

// incompletePhoneRE matches a Contact column whose last number was cut off
// by the PDF parser: "... (213)" or "... (305)825-".
var (
	incompletePhoneRE = regexp.MustCompile(`(\([0-9]{3}\)|\([0-9]{3}\)[0-9]{3}-)$`)
	phoneTailRE       = regexp.MustCompile(`^([0-9]{3}-)?[0-9]{4}(x[0-9]{1,6})?$`)
)

// rejoinContact repairs rows where the end of the Contact column spilled
// into Note: Contact "(213)739-1627 Intakes: ... (213)" with Note
// "381-0510". It returns the repaired contact and whether it joined them.
func rejoinContact(contactCol, note string) (string, bool) {
	m := incompletePhoneRE.FindString(contactCol)
	if m == "" || !phoneTailRE.MatchString(note) {
		return contactCol, false
	}
	// "(213)" wants "381-0510"; "(305)825-" wants "0300".
	wantsLine := strings.HasSuffix(m, "-")
	hasExchange := strings.Contains(note, "-")
	if wantsLine == hasExchange {
		return contactCol, false
	}
	return contactCol + note, true
}
