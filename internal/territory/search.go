package territory

import (
	"slices"
	"strings"
)

// DefaultLimit is the number of communes Search returns when asked for none.
const DefaultLimit = 10

// How well a commune matches a query, best first. Within a level, the more
// populous commune comes first: a user typing "gap" wants Gap, then Gapennes.
const (
	levelCode        uint8 = iota // the INSEE code or a postal code, exactly
	levelExact                    // the name, with or without its article
	levelPrefix                   // the start of the name, with or without its article; the start of a code
	levelInner                    // the start of a later word: "tinee"
	levelFormerExact              // the name of a commune merged into it
	levelFormer                   // the start of such a name
	levelWords                    // every word of the query starts a word of the name, in any order
)

// Kinds of search keys.
const (
	keyName   uint8 = iota // the normalized name
	keyBare                // the normalized name without its article
	keyInner               // the normalized name from a later word on
	keyFormer              // the normalized name of a former commune
)

type searchKey struct {
	key     string
	commune int32
	kind    uint8
}

type codeKey struct {
	code    string
	commune int32
}

// searchIndex holds the keys of every commune, sorted so that all the keys
// starting with a query form one range found by binary search.
type searchIndex struct {
	communes []Commune
	keys     []searchKey      // names, bare names, inner suffixes, former names
	postal   []codeKey        // postal codes
	former   map[string]int32 // codes of former communes (not current) → commune
	names    []string         // normalized name by commune
}

// Words that do not start an inner key: nobody searches "de tinee".
var stopWords = map[string]bool{
	"a": true, "au": true, "aux": true, "d": true, "de": true, "des": true, "du": true, "en": true,
	"et": true, "l": true, "la": true, "le": true, "les": true, "lez": true, "sous": true, "sur": true,
}

func newSearchIndex(communes []Commune) searchIndex {
	s := searchIndex{communes: communes, names: make([]string, len(communes)), former: map[string]int32{}}
	s.keys = make([]searchKey, 0, len(communes)*3)
	for i, c := range communes {
		ci := int32(i)
		name := Normalize(c.Name)
		s.names[i] = name
		s.keys = append(s.keys, searchKey{name, ci, keyName})
		bare := c.Article() != ""
		for n, at := 0, 0; at < len(name); n++ {
			end := strings.IndexByte(name[at:], ' ')
			if end < 0 {
				end = len(name)
			} else {
				end += at
			}
			word := name[at:end]
			switch {
			case n == 1 && bare:
				s.keys = append(s.keys, searchKey{name[at:], ci, keyBare})
			case n >= 1 && !stopWords[word]:
				s.keys = append(s.keys, searchKey{name[at:], ci, keyInner})
			}
			at = end + 1
		}
		for _, f := range c.Former {
			if f.Name != "" && f.Name != c.Name {
				s.keys = append(s.keys, searchKey{Normalize(f.Name), ci, keyFormer})
			}
			if _, current := slices.BinarySearchFunc(communes, f.Code, cmpCode); !current {
				s.former[f.Code] = ci
			}
		}
		for _, p := range c.PostalCodes {
			s.postal = append(s.postal, codeKey{p, ci})
		}
	}
	slices.SortFunc(s.keys, cmpKey)
	slices.SortFunc(s.postal, func(a, b codeKey) int {
		if c := strings.Compare(a.code, b.code); c != 0 {
			return c
		}
		return int(a.commune - b.commune)
	})
	return s
}

func cmpKey(a, b searchKey) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	if a.commune != b.commune {
		return int(a.commune - b.commune)
	}
	return int(a.kind) - int(b.kind)
}

func cmpCode(c Commune, code string) int { return strings.Compare(c.Code, code) }

// prefixRange returns the range of keys that start with prefix: normalized
// keys are UTF-8, where no byte is 0xff, so they all sort before prefix+"\xff".
func prefixRange(keys []searchKey, prefix string) (lo, hi int) {
	find := func(s string) int {
		i, _ := slices.BinarySearchFunc(keys, s, func(k searchKey, s string) int { return strings.Compare(k.key, s) })
		return i
	}
	return find(prefix), find(prefix + "\xff")
}

// Search finds communes by name or by postal or INSEE code, forgiving case,
// accents, hyphens, apostrophes and spacing and the abbreviations St/Ste (see
// Normalize). It returns at most limit communes (DefaultLimit when limit ≤ 0),
// best first: the code or the exact name, then names starting with the
// query, then names with a later word starting with it, then names of former
// communes, then names containing every word of the query in any order; the
// more populous commune first within each of those. A query mixing a name and
// a code ("saint etienne 42") keeps the communes whose postal or INSEE code
// starts with the code.
func (ix *Index) Search(q string, limit int) []Commune {
	if limit <= 0 {
		limit = DefaultLimit
	}
	s := &ix.search
	var text, codes []string
	for w := range strings.SplitSeq(Normalize(q), " ") {
		switch {
		case w == "":
		case isCode(w):
			codes = append(codes, strings.ToUpper(w))
		default:
			text = append(text, w)
		}
	}
	top := topK{s: s, limit: limit}
	if len(text) == 0 {
		if len(codes) == 0 {
			return nil
		}
		top.filter = codes[1:]
		s.searchCode(&top, codes[0])
	} else {
		top.filter = codes
		s.searchText(&top, text)
	}
	out := make([]Commune, len(top.hits))
	for i, h := range top.hits {
		out[i] = s.communes[h.commune]
	}
	return out
}

// isCode reports whether a query word is (the start of) a postal or INSEE
// code: digits, or 2a/2b and digits for Corsica.
func isCode(w string) bool {
	if len(w) > 5 {
		return false
	}
	if len(w) >= 2 && w[0] == '2' && (w[1] == 'a' || w[1] == 'b') {
		w = w[2:]
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

func (s *searchIndex) searchCode(top *topK, code string) {
	lo, _ := slices.BinarySearchFunc(s.communes, code, cmpCode)
	for i := lo; i < len(s.communes) && strings.HasPrefix(s.communes[i].Code, code); i++ {
		top.add(int32(i), exactOr(s.communes[i].Code == code, levelCode, levelPrefix))
	}
	lo, _ = slices.BinarySearchFunc(s.postal, code, func(k codeKey, code string) int { return strings.Compare(k.code, code) })
	for i := lo; i < len(s.postal) && strings.HasPrefix(s.postal[i].code, code); i++ {
		top.add(s.postal[i].commune, exactOr(s.postal[i].code == code, levelCode, levelPrefix))
	}
	if i, ok := s.former[code]; ok {
		top.add(i, levelExact)
	}
}

func exactOr(exact bool, yes, no uint8) uint8 {
	if exact {
		return yes
	}
	return no
}

func (s *searchIndex) searchText(top *topK, text []string) {
	q := strings.Join(text, " ")
	lo, hi := prefixRange(s.keys, q)
	for _, k := range s.keys[lo:hi] {
		exact := len(k.key) == len(q)
		var level uint8
		switch k.kind {
		case keyName, keyBare:
			level = exactOr(exact, levelExact, levelPrefix)
		case keyInner:
			level = levelInner
		case keyFormer:
			level = exactOr(exact, levelFormerExact, levelFormer)
		}
		top.add(k.commune, level)
	}
	if len(text) < 2 || top.full() {
		return
	}
	// Every word of the query in any order: walk the keys starting with the
	// rarest query word (every word of a name but the stop words starts a
	// key), and check the other words.
	rarest, rlo, rhi := -1, 0, 0
	for i, w := range text {
		if stopWords[w] {
			continue
		}
		lo, hi := prefixRange(s.keys, w)
		if rarest < 0 || hi-lo < rhi-rlo {
			rarest, rlo, rhi = i, lo, hi
		}
	}
	if rarest < 0 {
		return
	}
	for _, k := range s.keys[rlo:rhi] {
		if k.kind != keyFormer && hasWords(s.names[k.commune], text, rarest) {
			top.add(k.commune, levelWords)
		}
	}
}

// hasWords reports whether every word of text but skip starts a word of name.
func hasWords(name string, text []string, skip int) bool {
	for i, w := range text {
		if i == skip {
			continue
		}
		if !strings.HasPrefix(name, w) && !strings.Contains(name, " "+w) {
			return false
		}
	}
	return true
}

// topK keeps the best hits seen so far, sorted, each commune once.
type topK struct {
	s      *searchIndex
	limit  int
	filter []string // codes the communes must have
	hits   []hit
}

type hit struct {
	commune int32
	level   uint8
}

func (t *topK) full() bool { return len(t.hits) >= t.limit }

// better orders hits: lower level, then larger population, then code.
func (t *topK) better(a, b hit) bool {
	if a.level != b.level {
		return a.level < b.level
	}
	ca, cb := &t.s.communes[a.commune], &t.s.communes[b.commune]
	if ca.Population != cb.Population {
		return ca.Population > cb.Population
	}
	return ca.Code < cb.Code
}

func (t *topK) add(commune int32, level uint8) {
	h := hit{commune, level}
	if t.full() && !t.better(h, t.hits[len(t.hits)-1]) {
		return
	}
	if len(t.filter) > 0 && !t.matchesCodes(commune) {
		return
	}
	at := -1
	for i := range t.hits {
		if t.hits[i].commune == commune {
			if t.hits[i].level <= level {
				return
			}
			at = i
			break
		}
	}
	if at >= 0 {
		t.hits = slices.Delete(t.hits, at, at+1)
	} else if t.full() {
		t.hits = t.hits[:len(t.hits)-1]
	}
	i := len(t.hits)
	for i > 0 && t.better(h, t.hits[i-1]) {
		i--
	}
	t.hits = slices.Insert(t.hits, i, h)
}

func (t *topK) matchesCodes(commune int32) bool {
	c := &t.s.communes[commune]
	for _, code := range t.filter {
		if strings.HasPrefix(c.Code, code) {
			continue
		}
		if !slices.ContainsFunc(c.PostalCodes, func(p string) bool { return strings.HasPrefix(p, code) }) {
			return false
		}
	}
	return true
}
