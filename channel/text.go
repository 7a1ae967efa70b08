package channel

import (
	"regexp"
	"strings"
	"unicode"
)

// Cut shortens text to at most n units, units(r) being what the provider counts a rune as, ending in
// ellipsis. It cuts at the last space that fits, so a word is never split; a first word longer than n is
// cut between syllables: never before a combining mark (a matra, a nukta) or after a virama.
func Cut(text string, n int, units func(rune) int, ellipsis string) string {
	if Count(text, units) <= n {
		return text
	}
	budget := n - Count(ellipsis, units)
	if budget < 0 {
		return ""
	}
	end, space, used, syllable := 0, -1, 0, 0
	prev := ' '
	for i, r := range text {
		if !unicode.In(r, unicode.Mn, unicode.Mc) && prev != virama {
			syllable = i // a cut here leaves no mark without its letter
		}
		if used+units(r) > budget {
			end = syllable
			break
		}
		if unicode.IsSpace(r) && !unicode.IsSpace(prev) {
			space = i
		}
		prev = r
		used += units(r)
		end = i + len(string(r))
	}
	if space > 0 {
		end = space
	}
	return strings.TrimRightFunc(text[:end], unicode.IsSpace) + ellipsis
}

// virama joins the consonant before it to the one after (Devanagari's halant).
const virama = '\u094d'

// Count is text's length in units.
func Count(text string, units func(rune) int) int {
	n := 0
	for _, r := range text {
		n += units(r)
	}
	return n
}

// Rune counts a rune as one: the length of text in characters.
func Rune(rune) int { return 1 }

// UTF16 counts a rune's UTF-16 code units, as Telegram counts a caption's length.
func UTF16(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

var (
	longNumber = regexp.MustCompile(`\+?\d[\d -]{5,}\d`)
	mailbox    = regexp.MustCompile(`[^\s<>"]+@[^\s<>"]+`)
)

// Redact removes what looks like a phone number, a chat id or an email address from a provider's words,
// so a delivery's recorded reason never holds a contact.
func Redact(s string) string {
	return mailbox.ReplaceAllString(longNumber.ReplaceAllString(s, "…"), "…")
}
