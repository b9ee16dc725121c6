package survey

// Small-cell suppression.
//
// Every figure results publish is a cell: a count of respondents. Figures
// are tied by sums: the options of a single-choice question add up to the
// number who answered it, the communes of an EPCI add up to the EPCI, and
// so on. Hiding the cells under MinCell is not enough: when a sum is shown
// and only one of its terms is hidden, subtraction gives it back. So
// suppress first hides the small cells (primary suppression), then, for as
// long as some sum has a single unknown term that must stay unknown, hides
// one more term of that sum, the smallest non-zero one (secondary
// suppression). Hiding more never helps an attacker, so the pages may hide
// further (a question whose number of answers is hidden shows none of its
// cells).

// sumRule says that the cell total is the sum of the cells terms.
type sumRule struct {
	total int
	terms []int
}

// cellSet is the cells of a computation with their values, the sums that
// tie them, and which ones are published at all (some terms, such as the
// respondents living outside the territory, never are).
type cellSet struct {
	values    []int
	published []bool
	rules     []sumRule
}

func (c *cellSet) sum(total int, terms ...int) {
	c.rules = append(c.rules, sumRule{total: total, terms: terms})
}

// suppress returns, for each cell, whether it is hidden; unpublished cells
// are hidden too.
func (c *cellSet) suppress() []bool {
	n := len(c.values)
	hidden := make([]bool, n)
	// protected cells must not be recoverable: the small ones, and those
	// hidden to protect them.
	protected := make([]bool, n)
	for i, v := range c.values {
		hidden[i] = !c.published[i] || v < MinCell
		protected[i] = v > 0 && v < MinCell
	}
	for changed := true; changed; {
		changed = false
		for _, r := range c.rules {
			unknown, at := 0, -1
			if hidden[r.total] {
				unknown, at = 1, r.total
			}
			for _, i := range r.terms {
				if hidden[i] {
					unknown++
					at = i
				}
			}
			if unknown != 1 || !protected[at] {
				continue
			}
			// Hide the smallest shown term, a non-zero one if any; the
			// total when every term is already hidden.
			pick := -1
			for _, i := range r.terms {
				if hidden[i] {
					continue
				}
				if pick < 0 || (c.values[pick] == 0 && c.values[i] > 0) || (c.values[i] > 0 && c.values[i] < c.values[pick]) {
					pick = i
				}
			}
			if pick < 0 {
				pick = r.total
			}
			hidden[pick], protected[pick], changed = true, true, true
		}
	}
	return hidden
}
