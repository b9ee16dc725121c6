package territory

import (
	"math"
	"slices"
)

// earthRadiusKm is the mean radius of the Earth (IUGG).
const earthRadiusKm = 6371.0088

// Distance returns the great-circle distance between two communes, in
// kilometres.
func Distance(a, b Commune) float64 { return Haversine(a.Lat, a.Lon, b.Lat, b.Lon) }

// Haversine returns the great-circle distance in kilometres between two
// points given in degrees of latitude and longitude.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Within returns the communes within km kilometres of the commune with this
// INSEE code, the commune itself included, nearest first. It returns nil for
// an unknown code.
func (ix *Index) Within(code string, km float64) []Commune {
	c, ok := ix.Commune(code)
	if !ok || !located(c) {
		return nil
	}
	return ix.WithinPoint(c.Lat, c.Lon, km)
}

// WithinPoint returns the communes within km kilometres of a point (degrees),
// nearest first.
func (ix *Index) WithinPoint(lat, lon, km float64) []Commune {
	if km < 0 || math.IsNaN(km) {
		return nil
	}
	// A band of latitudes found by binary search, then a box of longitudes,
	// before the exact distance.
	dLat := km / (earthRadiusKm * math.Pi / 180)
	lo, _ := slices.BinarySearchFunc(ix.byLat, lat-dLat, func(i int32, l float64) int {
		if ix.communes[i].Lat < l {
			return -1
		}
		return 1
	})
	dLon := 360.0
	if maxLat := math.Abs(lat) + dLat; maxLat < 89 {
		dLon = dLat / math.Cos(maxLat*math.Pi/180)
	}
	type near struct {
		i    int32
		dist float64
	}
	var found []near
	for _, i := range ix.byLat[lo:] {
		c := &ix.communes[i]
		if c.Lat > lat+dLat {
			break
		}
		if math.Abs(c.Lon-lon) > dLon {
			continue
		}
		if d := Haversine(lat, lon, c.Lat, c.Lon); d <= km {
			found = append(found, near{i, d})
		}
	}
	slices.SortFunc(found, func(a, b near) int {
		if a.dist != b.dist {
			if a.dist < b.dist {
				return -1
			}
			return 1
		}
		return int(a.i - b.i)
	})
	out := make([]Commune, len(found))
	for k, n := range found {
		out[k] = ix.communes[n.i]
	}
	return out
}
