package territory

import (
	"strings"
	"unicode"
)

// Normalize reduces a place name or a query to the form searches compare:
// lower case, accents and ligatures removed (é→e, œ→oe, also in decomposed
// form), every character that
// is neither a letter nor a digit (hyphens, apostrophes, dots…) turned into a
// single space, and the abbreviations st, ste, sts, stes expanded to saint,
// sainte, saints, saintes. "Saint-Étienne-de-Tinée", "st etienne de tinee"
// and "ST-ÉTIENNE DE TINÉE" all give "saint etienne de tinee".
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	space, abbrev := false, false
	word := 0 // start of the current word in b
	endWord := func() {
		if w := b.String()[word:]; w == "st" || w == "ste" || w == "sts" || w == "stes" {
			abbrev = true
		}
	}
	for _, r := range s {
		var fold string
		switch {
		case r < 0x80:
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			default:
				r = ' '
			}
		default:
			if unicode.Is(unicode.Mn, r) {
				continue // a combining accent of decomposed text: "e\u0301" is "é"
			}
			r = unicode.ToLower(r)
			if r == 'ʼ' { // the modifier letter apostrophe is a letter to Unicode
				r = ' '
			} else if f, ok := folds[r]; ok {
				fold = f
			} else if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				r = ' '
			}
		}
		if r == ' ' {
			space = b.Len() > 0
			continue
		}
		if space {
			endWord()
			b.WriteByte(' ')
			word = b.Len()
			space = false
		}
		if fold != "" {
			b.WriteString(fold)
		} else {
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		endWord()
	}
	if !abbrev {
		return b.String()
	}
	words := strings.Split(b.String(), " ")
	for i, w := range words {
		switch w {
		case "st":
			words[i] = "saint"
		case "ste":
			words[i] = "sainte"
		case "sts":
			words[i] = "saints"
		case "stes":
			words[i] = "saintes"
		}
	}
	return strings.Join(words, " ")
}

// folds maps the lower-case letters with diacritics met in French (and
// neighbouring languages') place names to plain ASCII.
var folds = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ĉ': "c", 'ċ': "c", 'ď': "d", 'đ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ĕ': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ğ': "g", 'ĝ': "g", 'ġ': "g", 'ģ': "g", 'ĥ': "h",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ĩ': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ĵ': "j", 'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ŕ': "r", 'ř': "r", 'ś': "s", 'ş': "s", 'š': "s", 'ß': "ss", 'ţ': "t", 'ť': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ũ': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ý': "y", 'ÿ': "y", 'ŷ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}
