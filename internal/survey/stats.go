package survey

import (
	"math"
	"slices"
)

// z95 is the standard normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// Wilson returns the 95% Wilson score interval of the proportion k/n. It
// stays within [0, 1] and behaves at 0 and n, unlike the normal
// approximation.
func Wilson(k, n int) (low, high float64) {
	if n <= 0 {
		return 0, 0
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), z95*z95
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z95 / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half)
}

// t975 are Student's t quantiles at 0.975 for 1 to 30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// summarize returns the mean of values with its 95% interval (Student's t
// below 31 values, normal above) and the median. It sorts values.
func summarize(values []float64) Summary {
	n := len(values)
	if n == 0 {
		return Summary{}
	}
	slices.Sort(values)
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(n)
	s := Summary{N: n, Mean: mean, Low: mean, High: mean}
	if n%2 == 1 {
		s.Median = values[n/2]
	} else {
		s.Median = (values[n/2-1] + values[n/2]) / 2
	}
	if n > 1 {
		var ss float64
		for _, v := range values {
			ss += (v - mean) * (v - mean)
		}
		q := z95
		if n-1 <= len(t975) {
			q = t975[n-2]
		}
		half := q * math.Sqrt(ss/float64(n-1)/float64(n))
		s.Low, s.High = mean-half, mean+half
	}
	return s
}
