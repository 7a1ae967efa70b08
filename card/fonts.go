package card

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"

	"childmatch"
)

// fontDirs are the folders searched, in order, for the card's fonts: where Debian's fonts-noto-core puts
// them (truetype), and where other releases and derivatives have put Noto (opentype, the font root).
var fontDirs = []string{
	"/usr/share/fonts/truetype/noto",
	"/usr/share/fonts/opentype/noto",
	"/usr/share/fonts/noto",
}

// fontFiles are the four faces the card is set in. Noto Sans and Noto Sans Devanagari are one design, so
// English and Hindi on one line look alike in weight and height, and both have a bold.
var fontFiles = [numStyles][numScripts]string{
	regular: {latin: "NotoSans-Regular.ttf", deva: "NotoSansDevanagari-Regular.ttf"},
	bold:    {latin: "NotoSans-Bold.ttf", deva: "NotoSansDevanagari-Bold.ttf"},
}

type style int

const (
	regular style = iota
	bold
	numStyles
)

type script int

const (
	latin script = iota
	deva
	numScripts
)

// loaded holds the parsed fonts, shared by all renders (a font.Font is safe for concurrent use; a
// font.Face is not, so every render makes its own faces).
var loaded struct {
	once  sync.Once
	fonts [numStyles][numScripts]*font.Font
	err   error
}

// Check loads the fonts if they are not loaded yet and reports whether the card can be rendered. Call it at
// start-up so a missing font package is found before the first alert.
func Check() error {
	loaded.once.Do(func() { loaded.fonts, loaded.err = loadFonts(fontDirs) })
	return loaded.err
}

func loadFonts(dirs []string) (fonts [numStyles][numScripts]*font.Font, err error) {
	for s := range fontFiles {
		for sc, name := range fontFiles[s] {
			path, err := findFont(dirs, name)
			if err != nil {
				return fonts, err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return fonts, &childmatch.Error{Code: childmatch.EInternal, Message: "reading the card font " + path, Err: err}
			}
			face, err := font.ParseTTF(bytes.NewReader(b))
			if err != nil {
				return fonts, &childmatch.Error{Code: childmatch.EInternal, Message: "parsing the card font " + path, Err: err}
			}
			fonts[s][sc] = face.Font
		}
	}
	return fonts, nil
}

func findFont(dirs []string, name string) (string, error) {
	for _, dir := range dirs {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	return "", childmatch.Errorf(childmatch.EInternal,
		"the alert card font %s is in none of %v: install Debian's fonts-noto-core (scripts/install-packages.sh)", name, dirs)
}

// faces are one render's font faces, and the font map the shaper's segmenter consults.
type faces struct {
	f      [numStyles][numScripts]*font.Face
	style  style
	script language.Script
}

func newFaces() (*faces, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	fs := &faces{}
	for s := range loaded.fonts {
		for sc := range loaded.fonts[s] {
			fs.f[s][sc] = font.NewFace(loaded.fonts[s][sc])
		}
	}
	return fs, nil
}

// SetScript implements shaping.FontmapScript: runes common to both scripts (digits, spaces, punctuation)
// take the face of the script around them, so a Hindi phrase with a number is one run in one face.
func (fs *faces) SetScript(s language.Script) { fs.script = s }

// ResolveFace implements shaping.Fontmap: Devanagari in the Devanagari face, everything else in Noto Sans,
// falling back to whichever face has the rune.
func (fs *faces) ResolveFace(r rune) *font.Face {
	l, d := fs.f[fs.style][latin], fs.f[fs.style][deva]
	if unicode.Is(unicode.Devanagari, r) || fs.script == language.Devanagari {
		if _, ok := d.NominalGlyph(r); ok {
			return d
		}
	}
	if _, ok := l.NominalGlyph(r); ok {
		return l
	}
	if _, ok := d.NominalGlyph(r); ok {
		return d
	}
	return l
}
