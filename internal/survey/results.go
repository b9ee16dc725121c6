package survey

// MinCell is the smallest number of respondents a published figure may
// rest on: any smaller count is hidden, and so is any figure from which a
// hidden one could be recovered by subtraction.
const MinCell = 5

// SmallSample is the number of answers below which results carry a
// warning: their intervals are wide.
const SmallSample = 30

// Scope is the territory results are computed for.
type Scope struct {
	Kind string // "all", "epci" or "commune"
	Code string // SIREN or INSEE code; "" for all
	Name string
}

// Results are a campaign's results for one territory.
type Results struct {
	Scope Scope
	// Responses is the number of answers from the territory; Hidden when
	// it is under MinCell (then nothing else is given).
	Responses int
	Hidden    bool
	// Versions says how many answers each questionnaire version got.
	Versions  []VersionCount
	Questions []QuestionResult
	Crosstabs []CrosstabResult
	// Demand is the estimated demand, when the questionnaire defines it
	// and the territory has an active population.
	Demand *DemandEstimate
}

// VersionCount is the number of answers given with one version.
type VersionCount struct {
	Number    int
	Responses int
	Hidden    bool
}

// QuestionResult is the distribution of the answers to one question.
type QuestionResult struct {
	Question Question
	// Versions lists the version numbers that asked the question.
	Versions []int
	// Answered is the number of respondents who answered it; Hidden when
	// under MinCell.
	Answered int
	Hidden   bool
	// Cells of a choice question, or of a number's bands, in order.
	Cells []Cell
	// Summary of a number question.
	Summary *Summary
}

// Cell is one option's count among those who answered, with its
// proportion and 95% Wilson interval; Hidden cells carry no numbers.
type Cell struct {
	Code  string
	Label Text
	Count int
	// Proportion, Low and High are fractions of Answered.
	Proportion, Low, High float64
	Hidden                bool
}

// Summary describes a number question's answers: mean with its 95%
// interval, and median.
type Summary struct {
	N               int
	Mean, Low, High float64
	Median          float64
	Unit            Text
}

// CrosstabResult is a cross-tabulation: Rows × Cols counts among those who
// answered both questions, with row percentages.
type CrosstabResult struct {
	Row, Col   Question
	RowLabels  []Text
	ColLabels  []Text
	Counts     [][]Cell // [row][col]; Proportion is the share of the row
	RowTotals  []Cell
	ColTotals  []Cell
	Total      int
	TotalShown bool
}

// DemandEstimate is the likely number of regular users of a place in the
// territory: the share of respondents who would come regularly, applied to
// the active population aged 15 to 64.
type DemandEstimate struct {
	// Count respondents said they would come regularly, out of Answered.
	Count, Answered  int
	Share, Low, High float64
	// Active is the territory's active population (15–64, INSEE).
	Active int
	// Estimate = Share × Active, with its interval Low×Active to High×Active.
	Estimate, EstimateLow, EstimateHigh int
	Hidden                              bool
}

// ScopeCount is the number of answers from one territory of a campaign,
// for the map and the table of communes.
type ScopeCount struct {
	Scope
	EPCI      string // a commune's EPCI
	Responses int
	Hidden    bool
	Lat, Lon  float64
}
